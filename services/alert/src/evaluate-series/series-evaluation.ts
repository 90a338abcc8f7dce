import type { AlertEvent } from '@pulse/contracts';
import type { ConsumedMessage } from '@pulse/kafka';
import type { ReplayPosition } from '../evaluation/replay-state';
import { decodeSignal } from '../forward-signal/signal';
import type { Observation } from '../lifecycle/lifecycle';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { RuleSource } from '../rules/rule-book';
import { DEAD_LETTER_SERIES, evaluateDeadLetters } from './data-quality';
import type { SeriesStore } from './series-store';
import { observeSeries, windowsToKeep } from './window-observations';

/** The window and data-quality rules on one `alerts.signals` partition, which owns its series. */
export class SeriesEvaluation {
  constructor(
    private readonly rules: RuleSource,
    private readonly metrics: AlertMetrics,
  ) {}

  /**
   * Applies one signal to its series and says what the rules see if the series changed; nothing
   * while replaying (the series are rebuilt only). Windows no rule needs any more are dropped.
   */
  observe(message: ConsumedMessage, series: SeriesStore, position: ReplayPosition, now: Date): Observation[] {
    const signal = decodeSignal(message);
    const { history, changed } = series.apply(signal, BigInt(message.offset));
    let observations: Observation[] = [];
    if (position.isReplay(message.offset)) {
      this.metrics.replayedRecords.inc({ topic: 'alerts.signals' });
    } else {
      position.noteHandled(message.offset);
      if (changed) {
        this.metrics.evaluations.inc({ source: 'window' });
        observations = observeSeries(history, this.rules, now.getTime());
      }
    }
    const { rules } = this;
    series.prune(
      (held) => windowsToKeep(held, rules),
      (held) =>
        (held.series.source === 'dead_letter' ? now.getTime() : series.latestWindowEnd()) -
        windowsToKeep(held, rules) * held.sizeMs,
    );
    return observations;
  }

  /** The dead-letter rate with time alone: minutes without dead letters count too. */
  deadLetters(series: SeriesStore, firing: readonly AlertEvent[], now: Date): Observation[] {
    const history = series.get(DEAD_LETTER_SERIES);
    const anyFiring = firing.some(
      (alert) => alert.kind === 'data_quality' && alert.labels.signal === 'dead_letter',
    );
    if (!history && !anyFiring) return [];
    return this.rules
      .ofKind('data_quality')
      .flatMap((rule) => evaluateDeadLetters(rule, history, now.getTime()));
  }
}
