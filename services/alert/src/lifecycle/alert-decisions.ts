import type { AlertEvent } from '@pulse/contracts';
import type { OutgoingRecord } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { RuleSource } from '../rules/rule-book';
import type { Rule } from '../rules/rule-schema';
import {
  ORIGIN_HEADER,
  OVERFLOW_LABEL,
  isOverflowNotice,
  type AlertLedger,
} from '../state/alert-state-store';
import {
  decide,
  fingerprintOfObservation,
  repeatIfDue,
  resolveWithoutObservation,
  type LinkBuilder,
  type Observation,
} from './lifecycle';

export interface AlertDecisionSettings {
  defaultRepeatIntervalMs: number;
  /**
   * Most alerts of one rule firing at once. Past it a new alert of the rule is not raised: it is
   * counted (`pulse_alert_capped_total`) and the rule's one "too many alerts" notice fires.
   */
  maxFiringPerRule: number;
  links: LinkBuilder;
}

export interface AlertDecisionDeps {
  alertsTopic: string;
  rules: RuleSource;
  store: AlertLedger;
  logger: Logger;
  metrics: AlertMetrics;
  settings: AlertDecisionSettings;
}

/**
 * Turns what the rules observed, and the passing of time, into `alerts` records: the lifecycle's
 * decision for each alert, the per-rule cap with its overflow notice, reminders, and the
 * resolution of alerts whose rule went away. Each record is remembered in the ledger as it is
 * made, so the next decision sees it.
 */
export class AlertDecisions {
  constructor(private readonly deps: AlertDecisionDeps) {}

  /** Decisions on observations from the partition `origin`. */
  decideAll(observations: Observation[], origin: string, now: Date): OutgoingRecord[] {
    const { store, settings, metrics } = this.deps;
    const records: OutgoingRecord[] = [];
    for (const observation of observations) {
      const previous = store.get(fingerprintOfObservation(observation));
      const next = decide(previous, observation, now, settings.links);
      if (!next) continue;
      const { rule } = observation;
      if (
        next.state === 'firing' &&
        previous?.state !== 'firing' &&
        store.firingCount(rule.name) >= settings.maxFiringPerRule
      ) {
        metrics.capped.inc({ rule: rule.name });
        const notice = this.overflowNotice(rule, observation.triggerEventTime, now);
        if (notice) records.push(this.write(notice, origin, 'firing'));
        continue;
      }
      records.push(this.write(next, origin, next.state));
    }
    return records;
  }

  /** Reminders, hold times over, overflow notices to end and alerts of removed rules. */
  remindersAndOrphans(firing: readonly AlertEvent[], origin: string, now: Date): OutgoingRecord[] {
    const { rules, store, settings } = this.deps;
    const records: OutgoingRecord[] = [];
    for (const alert of firing) {
      const rule = rules.rule(alert.rule);
      let next: AlertEvent | null;
      if (!rule || rule.kind !== alert.kind) {
        next = resolveWithoutObservation(alert, now, 'its rule was removed from the rules file');
      } else if (isOverflowNotice(alert)) {
        // One notice while over the cap, no reminders; it ends once the rule is well below it.
        next =
          store.firingCount(rule.name) <= this.capLowWater()
            ? resolveWithoutObservation(alert, now, 'fewer alerts of the rule are firing')
            : null;
      } else if (
        rule.kind === 'high_value_new_account' &&
        now.getTime() - Date.parse(alert.startsAt) >= rule.holdFor
      ) {
        next = resolveWithoutObservation(alert, now, 'hold time over');
      } else {
        next = repeatIfDue(alert, now, rule.repeatInterval ?? settings.defaultRepeatIntervalMs);
      }
      if (next) records.push(this.write(next, origin, next.state === 'firing' ? 'repeat' : 'resolved'));
    }
    return records;
  }

  /** The rule's "too many alerts" notice, or null while it is already firing. */
  private overflowNotice(rule: Rule, triggerEventTime: string | null, now: Date): AlertEvent | null {
    const cap = this.deps.settings.maxFiringPerRule;
    const observation: Observation = {
      rule,
      identity: { [OVERFLOW_LABEL]: 'true' },
      active: true,
      canResolve: true,
      value: this.deps.store.firingCount(rule.name),
      threshold: cap,
      window: null,
      triggerEventTime,
      summary:
        `${cap} alerts of rule ${rule.name} are firing, the most allowed: further alerts of this rule ` +
        `are not raised one by one (counted in pulse_alert_capped_total) until at most ` +
        `${this.capLowWater()} fire`,
    };
    const previous = this.deps.store.get(fingerprintOfObservation(observation));
    return decide(previous, observation, now, this.deps.settings.links);
  }

  /** Firing alerts of a rule at which its overflow notice resolves (a tenth below the cap: no flapping). */
  private capLowWater(): number {
    const cap = this.deps.settings.maxFiringPerRule;
    return cap - Math.max(1, Math.ceil(cap / 10));
  }

  private write(
    event: AlertEvent,
    origin: string,
    transition: 'firing' | 'resolved' | 'repeat',
  ): OutgoingRecord {
    this.deps.store.remember(event, origin);
    this.deps.metrics.transitions.inc({ rule: event.rule, state: transition });
    this.deps.logger.info(
      {
        fingerprint: event.fingerprint,
        rule: event.rule,
        state: event.state,
        sequence: event.sequence,
        transition,
      },
      `alert ${event.rule} ${transition}`,
    );
    return {
      topic: this.deps.alertsTopic,
      key: event.fingerprint,
      value: JSON.stringify(event),
      headers: { [ORIGIN_HEADER]: origin, 'content-type': 'application/json' },
    };
  }
}
