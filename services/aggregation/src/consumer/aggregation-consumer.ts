import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { decodeEnrichedEvent } from '@pulse/contracts';
import {
  KafkaAdmin,
  KafkaRuntime,
  type ConsumedMessage,
  type ConsumerRunner,
  type MessageHandler,
  type PartitionRef,
} from '@pulse/kafka';
import { LOGGER, SERVICE_NAME, type Logger } from '@pulse/observability';
import { AGGREGATION_CONFIG, type AggregationConfig } from '../config';
import { toEventFacts } from '../facts/event-facts';
import { INFLUX_WRITER, type InfluxWriter } from '../influx/influx-writer';
import { OffsetsPoller } from '../pipeline/offsets-poller';
import { PartitionAggregator, type AggregationSettings } from '../state/partition-aggregator';
import { windowSpecs } from '../windows/window-spec';
import { AggregationMetrics } from './aggregation-metrics';
import { PartitionRegistry } from './partition-registry';
import { PartitionWorker } from './partition-worker';

/**
 * Consumes `events.enriched` (docs/architecture.md, "Aggregation correctness"): each message updates its partition's windows; after a
 * batch (and on a timer for quiet partitions) changed windows go to InfluxDB and
 * `metrics.windowed`; the commit point is where a new owner must replay from.
 */
@Injectable()
export class AggregationConsumer
  implements MessageHandler, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly settings: AggregationSettings;
  private readonly metrics: AggregationMetrics;
  private admin: KafkaAdmin | undefined;
  private runner: ConsumerRunner | undefined;
  private registry: PartitionRegistry<PartitionWorker> | undefined;
  private poller: OffsetsPoller | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;

  constructor(
    private readonly runtime: KafkaRuntime,
    @Inject(AGGREGATION_CONFIG) private readonly config: AggregationConfig,
    @Inject(INFLUX_WRITER) private readonly writer: InfluxWriter,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
    registry: Registry,
  ) {
    this.settings = {
      windows: windowSpecs(config.PULSE_WINDOWS),
      allowedLatenessMs: config.PULSE_ALLOWED_LATENESS,
      dedupeHorizonMs: config.PULSE_DEDUPE_HORIZON,
    };
    this.metrics = new AggregationMetrics(registry);
    this.registerGauges(registry);
  }

  async onApplicationBootstrap(): Promise<void> {
    const topic = this.runtime.topics.eventsEnriched;
    const groupId = this.config.PULSE_CONSUMER_GROUP;
    this.admin = await KafkaAdmin.connect(this.runtime.kafka);
    this.registry = new PartitionRegistry({
      offsets: this.admin,
      groupId,
      topic,
      logger: this.logger.child({ component: 'partitions' }),
      create: ({ partition, resume, startOffset }) => {
        this.logger.info(
          { partition, startOffset, resume },
          'partition assigned; rebuilding windows by replay',
        );
        return new PartitionWorker(
          new PartitionAggregator(partition, this.settings, resume),
          {
            writer: this.writer,
            producer: this.runtime.producer,
            windowedTopic: this.runtime.topics.metricsWindowed,
            deadLetterTopic: this.runtime.topics.deadLetter,
            serviceName: this.serviceName,
            sourceTopic: topic,
            flushIntervalMs: this.config.PULSE_FLUSH_INTERVAL,
            openWindowFlushIntervalMs: this.config.PULSE_OPEN_WINDOW_FLUSH_INTERVAL,
            windowSizesMs: this.config.PULSE_WINDOWS,
            metrics: this.metrics,
            logger: this.logger,
            membershipFresh: () => this.membershipFresh(),
            resettleDelayMs: this.config.PULSE_INFLUX_RESETTLE_DELAY,
          },
          startOffset,
        );
      },
    });
    this.poller = new OffsetsPoller({
      offsets: this.admin,
      writer: this.writer,
      groupId,
      topic,
      deadLetterTopic: this.runtime.topics.deadLetter,
      owned: () => this.ownedPartitions(),
    });
    const sessionTimeoutMs = this.config.PULSE_CONSUMER_SESSION_TIMEOUT;
    this.runner = this.runtime.createConsumer(
      this,
      {
        groupId,
        topics: [topic],
        // A new group computes every window still in the topic (Kappa: the log is the source).
        fromBeginning: true,
        sessionTimeoutMs,
        commitIntervalMs: this.config.PULSE_CONSUMER_COMMIT_INTERVAL,
      },
      {
        onAssignment: (assigned) => this.onAssignment(assigned),
        afterBatch: async ({ partition }, lastOffset) =>
          (await this.worker(partition)).afterBatch(Number(lastOffset)),
        // A dead-lettered message is handled too: the commit point may move past it.
        onDeadLetter: (message) =>
          this.registry?.get(message.partition)?.deadLettered(Number(message.offset)),
      },
    );
    await this.runner.start();
    this.every(this.config.PULSE_FLUSH_INTERVAL, () => this.flushQuietPartitions());
    this.every(this.config.PULSE_PIPELINE_STATS_INTERVAL, () => this.poller?.poll());
  }

  async handle(message: ConsumedMessage): Promise<void> {
    const worker = this.registry?.get(message.partition) ?? (await this.worker(message.partition));
    // A ContractViolation is poison: the runner dead-letters it and calls onDeadLetter.
    const facts = toEventFacts(decodeEnrichedEvent(message.value));
    worker.count(facts, Number(message.offset));
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
  }

  private onAssignment(assigned: PartitionRef[]): void {
    const topic = this.runtime.topics.eventsEnriched;
    this.registry?.assign(assigned.filter((ref) => ref.topic === topic).map((ref) => ref.partition));
  }

  private worker(partition: number): Promise<PartitionWorker> {
    if (this.registry === undefined) throw new Error('aggregation consumer not started');
    return this.registry.whenReady(partition);
  }

  /** A member that missed heartbeats may have lost its partitions: it must not write then. */
  private membershipFresh(): boolean {
    const last = this.runner?.health().lastHeartbeatAt;
    return (
      last === null ||
      last === undefined ||
      Date.now() - last < this.config.PULSE_CONSUMER_SESSION_TIMEOUT / 2
    );
  }

  private async flushQuietPartitions(): Promise<void> {
    for (const worker of this.registry?.workers() ?? []) {
      if (!worker.dueForFlush()) continue;
      await worker
        .flush()
        .catch((error: unknown) =>
          this.logger.warn(
            { err: error, partition: worker.partition },
            'flush of a quiet partition failed; will retry',
          ),
        );
    }
  }

  private *ownedPartitions() {
    for (const worker of this.registry?.workers() ?? []) {
      yield {
        partition: worker.partition,
        position: worker.position,
        progress: () => worker.progress(),
      };
    }
  }

  private every(ms: number, task: () => Promise<void> | undefined): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.stopping) return;
      running = true;
      Promise.resolve(task())
        .catch((error: unknown) => this.logger.warn({ err: error }, 'periodic aggregation task failed'))
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private registerGauges(registry: Registry): void {
    const workers = () => [...(this.registry?.workers() ?? [])];
    new Gauge({
      name: 'pulse_aggregation_open_windows',
      help: 'Windows held in memory (open, or closed and not yet written)',
      registers: [registry],
      collect() {
        this.set(workers().reduce((sum, worker) => sum + worker.aggregator.openWindows, 0));
      },
    });
    new Gauge({
      name: 'pulse_aggregation_remembered_event_ids',
      help: 'Distinct event ids held for duplicate detection',
      registers: [registry],
      collect() {
        this.set(workers().reduce((sum, worker) => sum + worker.aggregator.rememberedIds, 0));
      },
    });
    new Gauge({
      name: 'pulse_aggregation_unsettled_windows',
      help: 'Windows carried by an InfluxDB write whose outcome is unknown, waiting to be rewritten whole',
      registers: [registry],
      collect() {
        this.set(workers().reduce((sum, worker) => sum + worker.aggregator.unsettledWindows, 0));
      },
    });
    new Gauge({
      name: 'pulse_aggregation_catching_up_partitions',
      help: 'Owned partitions still replaying to their end offset (writes of open windows held back)',
      registers: [registry],
      collect() {
        this.set(workers().filter((worker) => worker.aggregator.catchingUp).length);
      },
    });
    new Gauge({
      name: 'pulse_aggregation_watermark_timestamp_seconds',
      help: 'Watermark (max event time − allowed lateness) of each owned partition, as a Unix time in seconds',
      labelNames: ['partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const worker of workers()) {
          const watermark = worker.aggregator.watermark;
          if (Number.isFinite(watermark)) this.set({ partition: String(worker.partition) }, watermark / 1000);
        }
      },
    });
  }
}
