import { decodeEnrichedEvent, type AlertEvent } from '@pulse/contracts';
import type { ConsumedMessage } from '@pulse/kafka';
import type { ReplayPosition } from '../evaluation/replay-state';
import type { Observation } from '../lifecycle/lifecycle';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { RuleSource } from '../rules/rule-book';
import { observeEvent, rememberOrder } from './event-observations';
import { evaluateFraudVelocity } from './fraud-velocity';
import type { OrderHistory } from './order-history';

/** The event rules on one `events.enriched` partition: what each event, and time, show them. */
export class EventEvaluation {
  constructor(
    private readonly rules: RuleSource,
    private readonly metrics: AlertMetrics,
    /** Time-driven checks leave alerts younger than this alone (the events decide them). */
    private readonly evaluationIntervalMs: number,
  ) {}

  /** What the rules see in one event; nothing while replaying (the orders are rebuilt only). */
  observe(message: ConsumedMessage, orders: OrderHistory, position: ReplayPosition): Observation[] {
    const event = decodeEnrichedEvent(message.value);
    rememberOrder(event, message.offset, orders, this.rules);
    if (position.isReplay(message.offset)) {
      this.metrics.replayedRecords.inc({ topic: 'events.enriched' });
      return [];
    }
    position.noteHandled(message.offset);
    this.metrics.evaluations.inc({ source: 'event' });
    return observeEvent(event, orders, this.rules);
  }

  /** Firing event alerts whose condition may have lapsed with time alone. */
  lapsed(firing: readonly AlertEvent[], orders: OrderHistory, now: Date): Observation[] {
    const observations: Observation[] = [];
    for (const alert of firing) {
      if (now.getTime() - Date.parse(alert.updatedAt) < this.evaluationIntervalMs) continue;
      const rule = this.rules.rule(alert.rule);
      const customer = alert.labels.customer;
      if (rule?.kind === 'fraud_velocity' && customer !== undefined) {
        observations.push(evaluateFraudVelocity(rule, orders, customer, now.getTime(), null));
      }
    }
    return observations;
  }
}
