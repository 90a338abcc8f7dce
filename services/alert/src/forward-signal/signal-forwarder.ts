import { decodeJsonWith, windowedMetricSchema } from '@pulse/contracts';
import type { ConsumedMessage, OutgoingRecord } from '@pulse/kafka';
import type { RuleSource } from '../rules/rule-book';
import { watchKey, watchedSeries, watchesDeadLetters } from '../evaluate-series/window-observations';
import { signalOfDeadLetter, signalOfWindow, signalRecord } from './signal';

/**
 * Re-keys the inputs of the window rules by series onto `alerts.signals`: a `metrics.windowed`
 * result of a series some rule watches, and each dead-lettered record while some rule counts
 * them. What no rule watches is dropped here.
 */
export class SignalForwarder {
  constructor(
    private readonly rules: RuleSource,
    private readonly signalsTopic: string,
  ) {}

  window(message: ConsumedMessage): OutgoingRecord[] {
    const metric = decodeJsonWith(windowedMetricSchema, message.value, 'invalid window result');
    if (!watchedSeries(this.rules).has(watchKey(metric.grouping, metric.windowSizeMs))) return [];
    return [signalRecord(this.signalsTopic, signalOfWindow(metric, message.offset))];
  }

  deadLetter(message: ConsumedMessage): OutgoingRecord[] {
    return watchesDeadLetters(this.rules)
      ? [signalRecord(this.signalsTopic, signalOfDeadLetter(message))]
      : [];
  }
}
