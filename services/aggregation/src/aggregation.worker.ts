import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  KafkaAdmin,
  KafkaRuntime,
  type ConsumedMessage,
  type ConsumerRunner,
  type MessageHandler,
  type PartitionRef,
} from '@pulse/kafka';
import { LOGGER, SERVICE_NAME, type Logger } from '@pulse/observability';
import { AggregatePartition } from './aggregate/aggregate-partition';
import { PartitionRegistry } from './aggregate/partition-registry';
import { AGGREGATION_CONFIG, type AggregationConfig } from './config';
import { INFLUX_WRITER, type InfluxWriter } from './influx/influx-writer';
import { AggregationMetrics, registerStateGauges } from './metrics/aggregation-metrics';
import { OffsetsPoller } from './pipeline/offsets-poller';
import { PartitionAggregator, type AggregationSettings } from './state/partition-aggregator';
import { windowSpecs } from './windows/window-spec';

/**
 * Owns aggregation's consumer of `events.enriched` and its lifecycle. Only the transport is
 * here — the Kafka runner's callbacks, the assignment, the timers — and each calls into the
 * partition's use case, `AggregatePartition`, where the flow from a message to a commit reads
 * top to bottom (docs/architecture.md, "Aggregation correctness").
 */
@Injectable()
export class AggregationWorker
  implements MessageHandler, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly settings: AggregationSettings;
  private readonly metrics: AggregationMetrics;
  private admin: KafkaAdmin | undefined;
  private runner: ConsumerRunner | undefined;
  private registry: PartitionRegistry<AggregatePartition> | undefined;
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
    registerStateGauges(registry, () => this.registry?.owned() ?? []);
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
        return new AggregatePartition(
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
      owned: () => this.registry?.owned() ?? [],
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
        maxBytesPerPartition: this.config.PULSE_CONSUMER_FETCH_MAX_BYTES,
        commitIntervalMs: this.config.PULSE_CONSUMER_COMMIT_INTERVAL,
      },
      {
        // Synchronous inside GROUP_JOIN: state is rebuilt before any message of the new generation.
        onAssignment: (assigned) => this.onAssignment(assigned),
        // The runner produces, then commits what this returns: the partition decides the point.
        afterBatch: async ({ partition }, lastOffset) =>
          (await this.partition(partition)).afterBatch(Number(lastOffset)),
        onDeadLetter: (message) =>
          this.registry?.get(message.partition)?.deadLettered(Number(message.offset)),
      },
    );
    await this.runner.start();
    // Idle partitions get no batch, so no afterBatch: the timer writes their last changes.
    this.every(this.config.PULSE_FLUSH_INTERVAL, () => this.flushQuietPartitions());
    this.every(this.config.PULSE_PIPELINE_STATS_INTERVAL, () => this.poller?.poll());
  }

  async handle(message: ConsumedMessage): Promise<void> {
    // Waits for the partition's resumption point after an assignment (read from Kafka).
    const partition = this.registry?.get(message.partition) ?? (await this.partition(message.partition));
    partition.consume(message);
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

  private partition(partition: number): Promise<AggregatePartition> {
    if (this.registry === undefined) throw new Error('aggregation worker not started');
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
    for (const partition of this.registry?.owned() ?? []) await partition.flushIfDue();
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
}
