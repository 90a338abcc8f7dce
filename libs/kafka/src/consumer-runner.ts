import { context } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF, backoffDelay, retryDelay, sleep, type BackoffPolicy } from '@pulse/retry';
import { CommitScheduler, type CommitTarget } from './commit-scheduler';
import { deadLetterRecord } from './dead-letter';
import { ErrorClassifier, TransientError, errorClassOf, errorMessageOf } from './errors';
import type { KafkaMetrics } from './kafka-metrics';
import { toConsumedMessage, type ConsumedMessage, type OutgoingRecord } from './message';
import type { PreparedRecord, PulseProducer } from './producer';
import { extractTraceContext, isPromiseLike, withMessageSpan, type KafkaServer } from './trace-context';
import { heartbeatIntervalFor } from './kafka-env';

/** Handles one message. Records it returns are produced (and acknowledged) before the offset is committed. */
export interface MessageHandler {
  handle(message: ConsumedMessage): Promise<OutgoingRecord[] | void> | OutgoingRecord[] | void;
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** Where a partition's committed position should be; metadata is stored with the offset in Kafka. */
export interface CommitPoint {
  offset: string;
  metadata?: string;
}

export interface ConsumerHooks {
  /**
   * Runs after every message of a fetched batch was handled and its records acknowledged:
   * make the remaining effects durable (e.g. write to InfluxDB) and optionally choose the offset
   * to commit (default: after the last handled message). A throw counts as transient: it is
   * retried with backoff while the consumer runs, and nothing is committed meanwhile.
   */
  afterBatch?(partition: PartitionRef, lastHandledOffset: string): Promise<CommitPoint | void>;
  /** Called with the new assignment after each rebalance (before any message of it is handled). */
  onAssignment?(assigned: PartitionRef[]): Promise<void> | void;
  /**
   * Called when a message `handle()` failed on is given up on, before its dead-letter record is
   * produced: a handler that tracks the offsets it handled counts this one as handled.
   */
  onDeadLetter?(message: ConsumedMessage, error: unknown): void;
}

export interface ConsumerRunnerOptions {
  serviceName: string;
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  /** Where a group with no committed offset starts. */
  fromBeginning?: boolean;
  /** Attempts per message before it is dead-lettered (a poison error skips the retries). */
  maxAttempts?: number;
  /** What a handler's error means (default: only PoisonMessageError is poison). */
  errors?: ErrorClassifier;
  retryBackoff?: BackoffPolicy;
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxBytesPerPartition?: number;
  /**
   * How long a fetch waits on the broker for new records (kafkajs default 5 s). Stopping and
   * noticing a rebalance both wait for the fetch in flight, so this bounds shutdown and
   * rebalance latency when the topics are idle.
   */
  maxWaitTimeMs?: number;
  /** False for readers that rebuild state from the start each time (reference tables). */
  commitOffsets?: boolean;
  /**
   * Commit each partition's position at most this often (default 0: after every batch). Less
   * often costs the broker less; after a crash or a rebalance up to this much is read again.
   */
  commitIntervalMs?: number;
  /** The broker the runner's spans name (`server.address`); see `bootstrapServer`. */
  server?: KafkaServer;
}

export type ConsumerState = 'idle' | 'joining' | 'running' | 'crashed' | 'stopped';

export interface ConsumerHealth {
  state: ConsumerState;
  groupId: string;
  assigned: PartitionRef[];
  lastHeartbeatAt: number | null;
  lastError: string | null;
}

const HEARTBEAT_EVERY_MS = 1_000;

/**
 * The one Kafka consumer loop every service uses: batch consumption with per-message
 * isolation, bounded retries then dead-letter, records produced before commit, per-message trace
 * context, heartbeats during long batches, commits only of durable work.
 */
export class ConsumerRunner {
  private readonly consumer: Consumer;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly errors: ErrorClassifier;
  private state: ConsumerState = 'idle';
  private assigned: PartitionRef[] = [];
  private lastHeartbeatAt: number | null = null;
  private lastError: string | null = null;
  private readonly commits: CommitScheduler;
  private stopping = false;
  /** The current generation's commit call, for deferred positions committed between batches. */
  private commitWith: EachBatchPayload['commitOffsetsIfNecessary'] | undefined;
  /** Partitions this instance has a lag series for ("topic\u0000partition"). */
  private readonly lagSeries = new Set<string>();

  constructor(
    kafka: Kafka,
    private readonly producer: PulseProducer,
    private readonly handler: MessageHandler,
    private readonly options: ConsumerRunnerOptions,
    private readonly logger: Logger,
    private readonly metrics?: KafkaMetrics,
    private readonly hooks: ConsumerHooks = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoff = options.retryBackoff ?? DEFAULT_BACKOFF;
    this.errors = options.errors ?? new ErrorClassifier();
    this.commits = new CommitScheduler(options.commitIntervalMs ?? 0);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval:
        options.heartbeatIntervalMs ?? heartbeatIntervalFor(options.sessionTimeoutMs ?? 30_000),
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30_000 },
    });
    this.watchEvents();
  }

  async start(): Promise<void> {
    this.state = 'joining';
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? false,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.processBatch(payload),
    });
  }

  /**
   * Commits the deferred positions, stops fetching, lets the batch in hand finish and commit,
   * then leaves the group.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.stopping = true;
    await this.commitDeferred(false);
    await this.consumer.disconnect();
    this.state = 'stopped';
  }

  pause(partitions: PartitionRef[]): void {
    this.consumer.pause(partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
  }

  resume(partitions: PartitionRef[]): void {
    this.consumer.resume(partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
  }

  health(): ConsumerHealth {
    return {
      state: this.state,
      groupId: this.options.groupId,
      assigned: this.assigned,
      lastHeartbeatAt: this.lastHeartbeatAt,
      lastError: this.lastError,
    };
  }

  /** Ready: in the group, not crashed, and heartbeating within the session timeout. */
  isHealthy(now = Date.now()): boolean {
    if (this.state !== 'running') return false;
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    return this.lastHeartbeatAt === null || now - this.lastHeartbeatAt < sessionTimeout;
  }

  private watchEvents(): void {
    const { GROUP_JOIN, CRASH, HEARTBEAT, STOP, FETCH_START, REBALANCING } = this.consumer.events;
    // Deferred positions are committed between fetches: only then is the generation known
    // current (kafkajs rejoins a group outside its fetch loop, after emitting REBALANCING).
    this.consumer.on(FETCH_START, () => void this.commitDeferred(true));
    this.consumer.on(REBALANCING, () => this.forgetDeferredCommits());
    this.consumer.on(GROUP_JOIN, (event) => {
      this.forgetDeferredCommits();
      this.state = 'running';
      this.lastHeartbeatAt = Date.now();
      this.assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      this.forgetLagOfRevokedPartitions();
      this.logger.info({ groupId: this.options.groupId, assigned: this.assigned }, 'joined consumer group');
      void Promise.resolve(this.hooks.onAssignment?.(this.assigned)).catch((error: unknown) =>
        this.logger.error({ err: error }, 'assignment hook failed'),
      );
    });
    this.consumer.on(HEARTBEAT, () => (this.lastHeartbeatAt = Date.now()));
    this.consumer.on(CRASH, (event) => {
      this.forgetDeferredCommits();
      this.lastError = errorMessageOf(event.payload.error);
      this.state = event.payload.restart ? 'joining' : 'crashed';
      this.logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    });
    this.consumer.on(STOP, () => (this.state = 'stopped'));
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const labels = { topic, group: this.options.groupId };
    const endTimer = this.metrics?.batchDuration.startTimer(labels);
    // Children bound to this batch's labels once: prom-client hashes a label set on every
    // unbound call, which was ≈ 3 % of a consumer's CPU when done per message.
    const processed = this.metrics?.processed.labels(labels);
    const recordAge = this.metrics?.endToEndLatency.labels(labels);
    const outgoing: PreparedRecord[] = [];
    let lastHandled: string | null = null;
    let lastBeat = Date.now();
    const beatDue = (): boolean => Date.now() - lastBeat >= HEARTBEAT_EVERY_MS;
    const beat = async (): Promise<void> => {
      if (beatDue()) {
        lastBeat = Date.now();
        await heartbeat();
      }
    };

    for (const raw of batch.messages) {
      if (!isRunning() || isStale()) break;
      const message = toConsumedMessage(topic, partition, raw);
      const outcome = await this.handleWithRetries(message, beat, isRunning, labels, processed);
      if (outcome === 'interrupted') break;
      outgoing.push(...outcome);
      lastHandled = message.offset;
      if (Number.isFinite(message.timestamp)) {
        recordAge?.observe(Math.max(0, Date.now() - message.timestamp) / 1000);
      }
      // Checked before awaiting: an await per message allocated a promise for nothing.
      if (beatDue()) await beat();
    }
    if (lastHandled === null || isStale()) {
      endTimer?.();
      return;
    }

    const produced = await this.untilDone(
      'produce',
      () => this.producer.sendPrepared(outgoing),
      beat,
      isRunning,
    );
    if (!produced) return;
    let commitPoint: CommitPoint | void = undefined;
    const lastOffset = lastHandled;
    const flushed = await this.untilDone(
      'afterBatch',
      async () => {
        commitPoint = await this.hooks.afterBatch?.({ topic, partition }, lastOffset);
      },
      beat,
      isRunning,
    );
    if (!flushed || isStale()) return;

    payload.resolveOffset(lastOffset);
    if (this.options.commitOffsets !== false) {
      const point: CommitPoint = commitPoint ?? { offset: (BigInt(lastOffset) + 1n).toString() };
      // commitOffsetsIfNecessary with explicit offsets commits even while stopping, unlike
      // consumer.commitOffsets, so a graceful shutdown keeps the batch it finished. It makes one
      // attempt (consumer.commitOffsets retries for up to minutes, which would hold back every
      // later commit queued behind it during a rebalance), and it stays valid between batches.
      this.commitWith = payload.commitOffsetsIfNecessary;
      await this.commits.offer(
        { topic, partition, offset: point.offset, metadata: point.metadata ?? null },
        (targets) => payload.commitOffsetsIfNecessary(commitRequest(targets)),
        this.stopping || !isRunning(),
      );
    }
    const highWatermark = BigInt(batch.highWatermark);
    const lag = highWatermark - (BigInt(lastOffset) + 1n);
    this.metrics?.lag.set({ ...labels, partition: String(partition) }, Number(lag > 0n ? lag : 0n));
    this.lagSeries.add(`${topic}\u0000${partition}`);
    endTimer?.();
  }

  /**
   * Commits what the interval deferred (`dueOnly`: what is due); a failure only means those
   * positions are read again.
   */
  private async commitDeferred(dueOnly: boolean): Promise<void> {
    const commit = this.commitWith;
    if (commit === undefined) return;
    try {
      await this.commits.flush((targets) => commit(commitRequest(targets)), { dueOnly });
    } catch (error) {
      this.logger.warn(
        { err: error },
        'deferred offset commit failed; the partitions resume from their last committed position',
      );
    }
  }

  /**
   * Drops the lag series of partitions another instance now owns. A gauge keeps its last value, so
   * without this the old owner would report the lag it had when it gave the partition up for as
   * long as it runs, and an autoscaler summing lag per group would never see it fall.
   */
  private forgetLagOfRevokedPartitions(): void {
    const owned = new Set(this.assigned.map(({ topic, partition }) => `${topic}\u0000${partition}`));
    for (const series of this.lagSeries) {
      if (owned.has(series)) continue;
      const [topic = '', partition = ''] = series.split('\u0000');
      this.metrics?.lag.remove({ topic, group: this.options.groupId, partition });
      this.lagSeries.delete(series);
    }
  }

  /** The assignment is changing: positions deferred under the old one are never committed. */
  private forgetDeferredCommits(): void {
    this.commits.reset();
    this.commitWith = undefined;
  }

  /**
   * Runs the handler for one message inside its trace. Returns the records to produce (the
   * handler's, or the dead-letter record), or 'interrupted' when the consumer is stopping.
   */
  private async handleWithRetries(
    message: ConsumedMessage,
    beat: () => Promise<void>,
    isRunning: () => boolean,
    labels: { topic: string; group: string },
    processed?: { inc(): void },
  ): Promise<PreparedRecord[] | 'interrupted'> {
    let attempts = 0;
    let transientAttempts = 0;
    let firstFailure: Date | null = null;
    for (;;) {
      attempts += 1;
      try {
        return await withMessageSpan(
          message,
          this.options.groupId,
          () => {
            const handled = this.handler.handle(message);
            return isPromiseLike(handled)
              ? Promise.resolve(handled).then((records) => this.prepareHandled(records, processed))
              : this.prepareHandled(handled, processed);
          },
          this.options.server,
        );
      } catch (error) {
        this.metrics?.failed.inc(labels);
        firstFailure ??= new Date();
        const kind = this.errors.classify(error);
        if (kind === 'transient') {
          // Infrastructure is down, not the message: wait and try again, never dead-letter.
          attempts -= 1;
          transientAttempts += 1;
          this.metrics?.retried.inc(labels);
          const hint = error instanceof TransientError ? error.retryAfterMs : undefined;
          const delay = retryDelay(transientAttempts, this.backoff, hint);
          this.logger.warn(
            { err: error, topic: message.topic, delayMs: delay },
            'transient failure, retrying',
          );
          if (!(await this.sleepWhileRunning(delay, beat, isRunning))) return 'interrupted';
          continue;
        }
        if (kind === 'poison' || attempts >= this.maxAttempts) {
          this.noteGivenUp(message, error);
          this.noteDeadLettered(message, error, attempts);
          return [this.prepareDeadLetter(message, error, attempts, firstFailure)];
        }
        this.metrics?.retried.inc(labels);
        if (!(await this.sleepWhileRunning(backoffDelay(attempts, this.backoff), beat, isRunning))) {
          return 'interrupted';
        }
      }
    }
  }

  private prepareHandled(records: OutgoingRecord[] | void, processed?: { inc(): void }): PreparedRecord[] {
    processed?.inc();
    return records ? records.map((record) => this.producer.prepare(record)) : [];
  }

  /**
   * Dead-letters messages the handler accepted and settles later, outside `handle()` (an outbox
   * such as the alert service's Slack notifier): the same record, trace, metric and log as a
   * message that failed inside `handle()`. Resolves once Kafka acknowledged the records (rejects
   * otherwise: the caller retries), so the caller lets the commit move past the messages only
   * then.
   */
  async deadLetter(messages: readonly ConsumedMessage[], error: unknown, attempts = 1): Promise<void> {
    const firstFailure = new Date();
    await this.producer.sendPrepared(
      messages.map((message) => this.prepareDeadLetter(message, error, attempts, firstFailure)),
    );
    for (const message of messages) this.noteDeadLettered(message, error, attempts);
  }

  private noteGivenUp(message: ConsumedMessage, error: unknown): void {
    try {
      this.hooks.onDeadLetter?.(message, error);
    } catch (hookError) {
      // The message is dead-lettered either way; a failing hook must not stop the partition.
      this.logger.error({ err: hookError, topic: message.topic }, 'dead-letter hook failed');
    }
  }

  private noteDeadLettered(message: ConsumedMessage, error: unknown, attempts: number): void {
    const errorClass = errorClassOf(error);
    this.metrics?.deadLettered.inc({
      topic: message.topic,
      group: this.options.groupId,
      error_class: errorClass,
    });
    this.logger.warn(
      {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        errorClass,
        error: errorMessageOf(error),
        attempts,
      },
      'message sent to dead-letter',
    );
  }

  private prepareDeadLetter(
    message: ConsumedMessage,
    error: unknown,
    attempts: number,
    firstFailure: Date,
  ): PreparedRecord {
    const record = deadLetterRecord(this.options.deadLetterTopic, this.options.serviceName, message, {
      errorClass: errorClassOf(error),
      errorMessage: errorMessageOf(error),
      attempts,
      firstFailureTime: firstFailure,
    });
    // Prepared in the message's own trace: outside it, prepare() would replace the original
    // traceparent with one of a new, unrelated trace, and a re-drive would lose the event's trace.
    return context.with(extractTraceContext(message.headers), () => this.producer.prepare(record));
  }

  /** Retries `work` with backoff until it succeeds; false if the consumer stopped first. */
  private async untilDone(
    what: string,
    work: () => Promise<void>,
    beat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await work();
        return true;
      } catch (error) {
        this.lastError = errorMessageOf(error);
        const delay = retryDelay(
          attempt,
          this.backoff,
          error instanceof TransientError ? error.retryAfterMs || undefined : undefined,
        );
        this.logger.warn(
          { err: error, attempt, delayMs: delay },
          `${what} failed; nothing committed, retrying`,
        );
        if (!(await this.sleepWhileRunning(delay, beat, isRunning))) return false;
      }
    }
  }

  private async sleepWhileRunning(
    ms: number,
    beat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!isRunning()) return false;
      await sleep(Math.min(HEARTBEAT_EVERY_MS, until - Date.now()));
      try {
        await beat();
      } catch (error) {
        // A failed heartbeat means a rebalance is under way; stop and let the batch be redelivered.
        this.logger.warn({ err: error }, 'heartbeat failed while waiting');
        return false;
      }
    }
    return isRunning();
  }
}

interface PartitionOffset {
  partition: number;
  offset: string;
  metadata: string | null;
}

/** kafkajs types `commitOffsetsIfNecessary`'s argument without metadata, which it does send. */
function commitRequest(
  targets: readonly CommitTarget[],
): Parameters<EachBatchPayload['commitOffsetsIfNecessary']>[0] {
  const topics = new Map<string, PartitionOffset[]>();
  for (const { topic, partition, offset, metadata } of targets) {
    const partitions = topics.get(topic) ?? [];
    partitions.push({ partition, offset, metadata: metadata ?? null });
    topics.set(topic, partitions);
  }
  return {
    topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
  } as unknown as Parameters<EachBatchPayload['commitOffsetsIfNecessary']>[0];
}
