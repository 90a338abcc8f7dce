import { decodeEnrichedEvent, decodeJsonWith, windowedMetricSchema, type AlertEvent } from '@pulse/contracts';
import {
  PoisonMessageError,
  TransientError,
  errorMessageOf,
  type CommitPoint,
  type ConsumedMessage,
  type ConsumerHooks,
  type MessageHandler,
  type OutgoingRecord,
  type PartitionRef,
  type PulseProducer,
  type TopicNames,
} from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import {
  decide,
  fingerprintOfObservation,
  repeatIfDue,
  resolveWithoutObservation,
  type LinkBuilder,
  type Observation,
} from '../lifecycle/lifecycle';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { RuleSource } from '../rules/rule-book';
import {
  ORIGIN_HEADER,
  OVERFLOW_LABEL,
  isOverflowNotice,
  originOf,
  type AlertLedger,
} from '../state/alert-state-store';
import type { Rule } from '../rules/rule-schema';
import { evaluateFraudVelocity } from './event-rules/fraud-velocity';
import { observeEvent, rememberOrder } from './event-rules/event-observations';
import { OrderHistory } from './event-rules/order-history';
import { ReplayPosition } from './replay-state';
import { decodeSignal, signalOfDeadLetter, signalOfWindow, signalRecord } from './signals/signal';
import { DEAD_LETTER_SERIES, evaluateDeadLetters } from './window-rules/data-quality';
import { SeriesStore } from './window-rules/series-store';
import {
  observeSeries,
  watchKey,
  watchedSeries,
  watchesDeadLetters,
  windowsToKeep,
} from './window-rules/window-observations';

export interface EvaluatorSettings {
  defaultRepeatIntervalMs: number;
  /** How long a new partition owner waits to have read the alerts topic up to its end. */
  fenceTimeoutMs: number;
  /** Time-driven checks leave alerts younger than this alone (the inputs decide them). */
  evaluationIntervalMs: number;
  /**
   * Most alerts of one rule firing at once. Past it a new alert of the rule is not raised: it is
   * counted (`pulse_alert_capped_total`) and the rule's one "too many alerts" notice fires.
   */
  maxFiringPerRule: number;
  links: LinkBuilder;
}

/** The group's committed offset and metadata for a partition ('-1' and null when none). */
export type CommittedOffsetReader = (
  ref: PartitionRef,
) => Promise<{ offset: string; metadata: string | null }>;

export interface EvaluatorDeps {
  topics: TopicNames;
  rules: RuleSource;
  store: AlertLedger;
  producer: Pick<PulseProducer, 'send'>;
  committed: CommittedOffsetReader;
  logger: Logger;
  metrics: AlertMetrics;
  settings: EvaluatorSettings;
  now?: () => Date;
}

/** State of one stateful input partition this instance owns. */
interface PartitionContext {
  ref: PartitionRef;
  origin: string;
  position: ReplayPosition | null;
  preparing: Promise<ReplayPosition> | null;
  orders: OrderHistory;
  series: SeriesStore;
}

/**
 * Evaluates the rules on the partitions this instance owns in group `pulse-alert`:
 *
 * - `events.enriched` (keyed by customer, else product): event rules, decided here;
 * - `metrics.windowed` and `dead-letter`: forwarded to `alerts.signals`, keyed by series;
 * - `alerts.signals`: window and data-quality rules, decided by the owner of the series.
 *
 * Decisions are `alerts` records returned to the consumer runner, which writes them before it
 * commits the input. A timer adds the time-driven decisions (reminders, alerts whose condition
 * lapsed with time) for the partitions owned.
 */
export class Evaluator implements MessageHandler {
  private readonly contexts = new Map<string, PartitionContext>();
  private readonly now: () => Date;
  private ticking = false;

  constructor(private readonly deps: EvaluatorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get topicsConsumed(): string[] {
    const { topics } = this.deps;
    return [topics.eventsEnriched, topics.metricsWindowed, topics.deadLetter, topics.alertSignals];
  }

  hooks(): ConsumerHooks {
    return {
      onAssignment: (assigned) => this.onAssignment(assigned),
      afterBatch: async (partition, lastOffset) => this.afterBatch(partition, lastOffset),
    };
  }

  async handle(message: ConsumedMessage): Promise<OutgoingRecord[]> {
    const { topics } = this.deps;
    switch (message.topic) {
      case topics.metricsWindowed:
        return this.forwardWindow(message);
      case topics.deadLetter:
        return watchesDeadLetters(this.deps.rules)
          ? [signalRecord(topics.alertSignals, signalOfDeadLetter(message))]
          : [];
      case topics.eventsEnriched:
        return this.handleEvent(message);
      case topics.alertSignals:
        return this.handleSignal(message);
      default:
        throw new PoisonMessageError(`not a topic the alert evaluator reads: ${message.topic}`);
    }
  }

  /** Time-driven decisions for the partitions owned: reminders, lapsed conditions, removed rules. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.now();
      const records: OutgoingRecord[] = [];
      for (const context of this.contexts.values()) {
        if (!context.position?.isLive()) continue;
        const observations =
          context.ref.topic === this.deps.topics.eventsEnriched
            ? this.lapsedEventObservations(context, now)
            : this.deadLetterObservations(context, now);
        records.push(...this.decideAll(observations, context.origin, now));
        records.push(...this.remindersAndOrphans(context, now));
      }
      if (records.length === 0) return;
      this.deps.metrics.evaluations.inc({ source: 'tick' });
      try {
        await this.deps.producer.send(records);
      } catch (error) {
        // Not written: forget them so the next tick (or the next input) decides again.
        this.deps.store.forgetUnconfirmed();
        this.deps.logger.warn(
          { err: error },
          'could not write time-driven alert changes; retrying next tick',
        );
      }
    } finally {
      this.ticking = false;
    }
  }

  private onAssignment(assigned: PartitionRef[]): void {
    // After every rebalance the runner resumes from the committed offsets: rebuild from there.
    this.contexts.clear();
    this.deps.store.forgetUnconfirmed();
    const stateful = new Set([this.deps.topics.eventsEnriched, this.deps.topics.alertSignals]);
    for (const ref of assigned) {
      if (!stateful.has(ref.topic)) continue;
      const context: PartitionContext = {
        ref,
        origin: originOf(ref.topic, ref.partition),
        position: null,
        preparing: null,
        orders: new OrderHistory(),
        series: new SeriesStore(),
      };
      this.contexts.set(context.origin, context);
      // Start the fence now so the first batch rarely waits for it.
      void this.ready(context).catch(() => undefined);
    }
  }

  /** Stateful partitions commit the first offset their state still needs (see ReplayPosition). */
  private afterBatch(partition: PartitionRef, lastOffset: string): CommitPoint | undefined {
    const context = this.contexts.get(originOf(partition.topic, partition.partition));
    if (!context?.position) return undefined;
    const neededFrom =
      partition.topic === this.deps.topics.eventsEnriched
        ? context.orders.neededFrom()
        : context.series.neededFrom();
    return context.position.commitAfter(lastOffset, neededFrom);
  }

  /**
   * Before a new owner decides anything it must know the alerts the previous owner wrote (they
   * were acknowledged before that owner committed and gave the partition up) and where the
   * replay ends.
   */
  private ready(context: PartitionContext): Promise<ReplayPosition> {
    if (context.position) return Promise.resolve(context.position);
    context.preparing ??= (async () => {
      await this.deps.store.waitUntilCaughtUp(this.deps.settings.fenceTimeoutMs);
      const committed = await this.deps.committed(context.ref);
      context.position = new ReplayPosition(committed.offset, committed.metadata);
      return context.position;
    })().catch((error: unknown) => {
      context.preparing = null;
      throw new TransientError(`alert state not ready for ${context.origin}: ${errorMessageOf(error)}`);
    });
    return context.preparing;
  }

  private context(message: ConsumedMessage): PartitionContext {
    const context = this.contexts.get(originOf(message.topic, message.partition));
    // The runner only hands over messages of assigned partitions, announced before their first batch.
    if (!context)
      throw new TransientError(`no assignment known yet for ${message.topic}/${message.partition}`);
    return context;
  }

  private forwardWindow(message: ConsumedMessage): OutgoingRecord[] {
    const metric = decodeJsonWith(windowedMetricSchema, message.value, 'invalid window result');
    if (!watchedSeries(this.deps.rules).has(watchKey(metric.grouping, metric.windowSizeMs))) return [];
    return [signalRecord(this.deps.topics.alertSignals, signalOfWindow(metric, message.offset))];
  }

  private async handleEvent(message: ConsumedMessage): Promise<OutgoingRecord[]> {
    const context = this.context(message);
    const position = await this.ready(context);
    const event = decodeEnrichedEvent(message.value);
    rememberOrder(event, message.offset, context.orders, this.deps.rules);
    if (position.isReplay(message.offset)) {
      this.deps.metrics.replayedRecords.inc({ topic: 'events.enriched' });
      return [];
    }
    position.noteHandled(message.offset);
    this.deps.metrics.evaluations.inc({ source: 'event' });
    return this.decideAll(observeEvent(event, context.orders, this.deps.rules), context.origin, this.now());
  }

  private async handleSignal(message: ConsumedMessage): Promise<OutgoingRecord[]> {
    const context = this.context(message);
    const position = await this.ready(context);
    const signal = decodeSignal(message);
    const { history, changed } = context.series.apply(signal, BigInt(message.offset));
    const now = this.now();
    let observations: Observation[] = [];
    if (position.isReplay(message.offset)) {
      this.deps.metrics.replayedRecords.inc({ topic: 'alerts.signals' });
    } else {
      position.noteHandled(message.offset);
      if (changed) {
        this.deps.metrics.evaluations.inc({ source: 'window' });
        observations = observeSeries(history, this.deps.rules, now.getTime());
      }
    }
    const { rules } = this.deps;
    context.series.prune(
      (held) => windowsToKeep(held, rules),
      (held) =>
        (held.series.source === 'dead_letter' ? now.getTime() : context.series.latestWindowEnd()) -
        windowsToKeep(held, rules) * held.sizeMs,
    );
    return this.decideAll(observations, context.origin, now);
  }

  /** Firing event alerts whose condition may have lapsed with time alone. */
  private lapsedEventObservations(context: PartitionContext, now: Date): Observation[] {
    const observations: Observation[] = [];
    for (const alert of this.deps.store.firingFrom(context.origin)) {
      if (now.getTime() - Date.parse(alert.updatedAt) < this.deps.settings.evaluationIntervalMs) continue;
      const rule = this.deps.rules.rule(alert.rule);
      const customer = alert.labels.customer;
      if (rule?.kind === 'fraud_velocity' && customer !== undefined) {
        observations.push(evaluateFraudVelocity(rule, context.orders, customer, now.getTime(), null));
      }
    }
    return observations;
  }

  private deadLetterObservations(context: PartitionContext, now: Date): Observation[] {
    const history = context.series.get(DEAD_LETTER_SERIES);
    const firing = this.deps.store
      .firingFrom(context.origin)
      .some((alert) => alert.kind === 'data_quality' && alert.labels.signal === 'dead_letter');
    if (!history && !firing) return [];
    return this.deps.rules
      .ofKind('data_quality')
      .flatMap((rule) => evaluateDeadLetters(rule, history, now.getTime()));
  }

  private remindersAndOrphans(context: PartitionContext, now: Date): OutgoingRecord[] {
    const records: OutgoingRecord[] = [];
    for (const alert of this.deps.store.firingFrom(context.origin)) {
      const rule = this.deps.rules.rule(alert.rule);
      let next: AlertEvent | null;
      if (!rule || rule.kind !== alert.kind) {
        next = resolveWithoutObservation(alert, now, 'its rule was removed from the rules file');
      } else if (isOverflowNotice(alert)) {
        // One notice while over the cap, no reminders; it ends once the rule is well below it.
        next =
          this.deps.store.firingCount(rule.name) <= this.capLowWater()
            ? resolveWithoutObservation(alert, now, 'fewer alerts of the rule are firing')
            : null;
      } else if (
        rule.kind === 'high_value_new_account' &&
        now.getTime() - Date.parse(alert.startsAt) >= rule.holdFor
      ) {
        next = resolveWithoutObservation(alert, now, 'hold time over');
      } else {
        next = repeatIfDue(alert, now, rule.repeatInterval ?? this.deps.settings.defaultRepeatIntervalMs);
      }
      if (next)
        records.push(this.write(next, context.origin, next.state === 'firing' ? 'repeat' : 'resolved'));
    }
    return records;
  }

  private decideAll(observations: Observation[], origin: string, now: Date): OutgoingRecord[] {
    const records: OutgoingRecord[] = [];
    for (const observation of observations) {
      const previous = this.deps.store.get(fingerprintOfObservation(observation));
      const next = decide(previous, observation, now, this.deps.settings.links);
      if (!next) continue;
      const { rule } = observation;
      if (
        next.state === 'firing' &&
        previous?.state !== 'firing' &&
        this.deps.store.firingCount(rule.name) >= this.deps.settings.maxFiringPerRule
      ) {
        this.deps.metrics.capped.inc({ rule: rule.name });
        const notice = this.overflowNotice(rule, observation.triggerEventTime, now);
        if (notice) records.push(this.write(notice, origin, 'firing'));
        continue;
      }
      records.push(this.write(next, origin, next.state));
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
      topic: this.deps.topics.alerts,
      key: event.fingerprint,
      value: JSON.stringify(event),
      headers: { [ORIGIN_HEADER]: origin, 'content-type': 'application/json' },
    };
  }
}
