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
import { EventEvaluation } from '../evaluate-event/event-evaluation';
import { OrderHistory } from '../evaluate-event/order-history';
import { SeriesEvaluation } from '../evaluate-series/series-evaluation';
import { SeriesStore } from '../evaluate-series/series-store';
import { SignalForwarder } from '../forward-signal/signal-forwarder';
import { AlertDecisions, type AlertDecisionSettings } from '../lifecycle/alert-decisions';
import type { Observation } from '../lifecycle/lifecycle';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { RuleSource } from '../rules/rule-book';
import { originOf, type AlertLedger } from '../state/alert-state-store';
import { ReplayPosition } from './replay-state';

export interface EvaluatorSettings extends AlertDecisionSettings {
  /** How long a new partition owner waits to have read the alerts topic up to its end. */
  fenceTimeoutMs: number;
  /** Time-driven checks leave alerts younger than this alone (the inputs decide them). */
  evaluationIntervalMs: number;
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
 * The evaluator consumer's handler, on the partitions this instance owns in group `pulse-alert`:
 *
 * - `metrics.windowed` and `dead-letter`: forward a signal to `alerts.signals`, keyed by series;
 * - `events.enriched` (keyed by customer, else product): evaluate the event rules;
 * - `alerts.signals`: evaluate the window and data-quality rules on the series this partition owns.
 *
 * It keeps each stateful partition's state and replay position. Decisions are `alerts` records
 * returned to the consumer runner, which writes them before it commits the input. A timer adds
 * the time-driven decisions (reminders, alerts whose condition lapsed with time) for the
 * partitions owned.
 */
export class Evaluator implements MessageHandler {
  private readonly contexts = new Map<string, PartitionContext>();
  private readonly now: () => Date;
  private ticking = false;
  private readonly forwarder: SignalForwarder;
  private readonly events: EventEvaluation;
  private readonly series: SeriesEvaluation;
  private readonly decisions: AlertDecisions;

  constructor(private readonly deps: EvaluatorDeps) {
    this.now = deps.now ?? (() => new Date());
    const { topics, rules, metrics, settings } = deps;
    this.forwarder = new SignalForwarder(rules, topics.alertSignals);
    this.events = new EventEvaluation(rules, metrics, settings.evaluationIntervalMs);
    this.series = new SeriesEvaluation(rules, metrics);
    this.decisions = new AlertDecisions({
      alertsTopic: topics.alerts,
      rules,
      store: deps.store,
      logger: deps.logger,
      metrics,
      settings,
    });
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
        return this.forwarder.window(message);
      case topics.deadLetter:
        return this.forwarder.deadLetter(message);
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
        const firing = this.deps.store.firingFrom(context.origin);
        const observations: Observation[] =
          context.ref.topic === this.deps.topics.eventsEnriched
            ? this.events.lapsed(firing, context.orders, now)
            : this.series.deadLetters(context.series, firing, now);
        records.push(...this.decisions.decideAll(observations, context.origin, now));
        records.push(
          ...this.decisions.remindersAndOrphans(
            this.deps.store.firingFrom(context.origin),
            context.origin,
            now,
          ),
        );
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

  private async handleEvent(message: ConsumedMessage): Promise<OutgoingRecord[]> {
    const context = this.context(message);
    const position = await this.ready(context);
    const observations = this.events.observe(message, context.orders, position);
    return this.decisions.decideAll(observations, context.origin, this.now());
  }

  private async handleSignal(message: ConsumedMessage): Promise<OutgoingRecord[]> {
    const context = this.context(message);
    const position = await this.ready(context);
    const now = this.now();
    const observations = this.series.observe(message, context.series, position, now);
    return this.decisions.decideAll(observations, context.origin, now);
  }
}
