import { decodeEnrichedEvent } from '@pulse/contracts';
import { EncodedLines } from '@pulse/influx';
import { TransientError, type ConsumedMessage, type OutgoingRecord, type PulseProducer } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { toEventFacts, type EventFacts } from '../facts/event-facts';
import type { InfluxWriter } from '../influx/influx-writer';
import {
  rejectedPointsRecords,
  writeSettingAsideRejected,
  type RejectedPoints,
} from '../influx/rejected-points';
import type { AggregationMetrics } from '../metrics/aggregation-metrics';
import { changeSetLines } from '../output/influx-lines';
import { changeSetRecords } from '../output/windowed-records';
import { PipelineCounters } from '../pipeline/pipeline-counters';
import { progressLine, type PartitionProgress } from '../pipeline/progress-line';
import type { ChangeSet, CommitPoint, Outcome, PartitionAggregator } from '../state/partition-aggregator';
import { FlushCadence } from './flush-cadence';

/** This instance may have lost its partitions: it must not write until its membership is confirmed. */
export class StaleMembershipError extends TransientError {
  constructor() {
    super('no recent consumer-group heartbeat: not writing until membership is confirmed');
    this.name = 'StaleMembershipError';
  }
}

export interface PartitionDeps {
  readonly writer: InfluxWriter;
  readonly producer: PulseProducer;
  readonly windowedTopic: string;
  /** Where points InfluxDB refuses for good go, so they stall nothing; and who set them aside. */
  readonly deadLetterTopic: string;
  readonly serviceName: string;
  /** The topic this partition is read from, named in dead letters. */
  readonly sourceTopic: string;
  /** Flush cadence while a window is closing: from its end until `openWindowFlushIntervalMs` later. */
  readonly flushIntervalMs: number;
  /** Flush cadence otherwise, when only running counts of open windows change. */
  readonly openWindowFlushIntervalMs?: number;
  /** The window sizes: a window ends where event time, watermark or clock cross a multiple of one. */
  readonly windowSizesMs?: readonly number[];
  readonly metrics: AggregationMetrics;
  readonly logger: Logger;
  /** False when the consumer's group membership may have lapsed (a stale owner must not write). */
  readonly membershipFresh: () => boolean;
  /**
   * How long InfluxDB must have been answering again, after a write whose outcome is unknown,
   * before the windows that write carried are rewritten whole: by then any copy of the failed
   * request that InfluxDB still held has been applied, so the rewrite is the last to land.
   */
  readonly resettleDelayMs: number;
  readonly now?: () => number;
}

/**
 * Aggregating one assigned partition of `events.enriched`, from a fetched message to a commit,
 * in the order it happens (docs/architecture.md, "Aggregation correctness"):
 *
 *   1. `consume`     decode → event facts → dedupe → window state → close windows at the watermark
 *                    (the runner's `handle`, one message at a time)
 *   2. `afterBatch`  note the batch handled → write if due → the commit point for the runner to commit
 *                    (the runner's `afterBatch` hook)
 *   3. `flushIfDue`  the same write for partitions that went quiet (the flush timer)
 *   4. `flush`       take changes → InfluxDB window points → progress → `metrics.windowed` → confirm
 *
 * The window state and the commit point are `PartitionAggregator`'s; this class decides when
 * they are written and keeps the order that makes a write and a commit safe.
 */
export class AggregatePartition {
  private readonly now: () => number;
  private readonly cadence: FlushCadence;
  private readonly counters = new PipelineCounters();
  /** Pipeline lines of a failed flush, sent with the next one. */
  private carryOver: string[] = [];
  /** The flushes of this partition, chained: one at a time, in order. */
  private tail: Promise<void> = Promise.resolve();
  /** The flush being written, if any, and since when. */
  private inFlight: Promise<void> | null = null;
  private inFlightSince = 0;
  private lastFlushFailed = false;
  private flushedProgress: PartitionProgress | undefined;
  /** When unsettled windows are to be rewritten; null while none are, or InfluxDB still fails. */
  private resettleAt: number | null = null;

  constructor(
    readonly aggregator: PartitionAggregator,
    private readonly deps: PartitionDeps,
    /** The first offset this owner reads (committed offset, or log start). */
    private readonly startOffset = 0,
  ) {
    this.now = deps.now ?? Date.now;
    this.cadence = new FlushCadence(deps);
  }

  get partition(): number {
    return this.aggregator.partition;
  }

  /** Offset of the next message to read. */
  get position(): number {
    return Math.max(this.startOffset, this.aggregator.lastHandledOffset + 1);
  }

  /**
   * The progress of the last successful flush, stamped now: for partitions with nothing else to
   * write (idle but owned), so their stalled watermark stays visible. Never the in-memory state:
   * progress means "written up to here".
   */
  progress(): string | undefined {
    return this.flushedProgress === undefined ? undefined : progressLine(this.flushedProgress, this.now());
  }

  // ── 1. One message ───────────────────────────────────────────────────────────────────────

  consume(message: ConsumedMessage): Outcome {
    // A ContractViolation is poison: the runner dead-letters the message and calls `deadLettered`.
    const facts = toEventFacts(decodeEnrichedEvent(message.value));
    return this.count(facts, Number(message.offset));
  }

  /** Dedupe, window state and closing at the watermark happen in `PartitionAggregator.apply`. */
  count(facts: EventFacts, offset: number): Outcome {
    const outcome = this.aggregator.apply(facts, offset);
    this.counters.record(facts, outcome, this.now());
    this.deps.metrics.countEvent(outcome);
    return outcome;
  }

  /** A dead-lettered message is handled too: the commit point may move past it. */
  deadLettered(offset: number): void {
    this.counters.recordDeadLetter();
    this.aggregator.handled(offset);
  }

  // ── 2. End of a batch ────────────────────────────────────────────────────────────────────

  /**
   * After a batch: say what to commit, and keep InfluxDB and `metrics.windowed` current without
   * making consumption wait for them. Committing without flushing is safe: the commit point never
   * passes state that is not written yet. Waits (so the runner pauses this partition) only while
   * writes fail — the retry throws until the sink is back — or lag behind by more than an interval.
   */
  async afterBatch(lastOffset: number): Promise<CommitPoint> {
    const wasCatchingUp = this.aggregator.catchingUp;
    this.aggregator.handled(lastOffset);
    // Open windows hold their full values only once the replay reached the end seen at assignment.
    const caughtUp = wasCatchingUp && !this.aggregator.catchingUp;
    if (this.lastFlushFailed) {
      // Why wait: a TransientError here makes the runner retry this batch and commit nothing past it.
      await this.flush();
    } else if (this.inFlight !== null && this.now() - this.inFlightSince > this.deps.flushIntervalMs) {
      // Why wait: a write lagging by over an interval slows reading to its pace; state stays bounded.
      await this.inFlight;
    } else if (caughtUp || this.dueForFlush()) {
      this.flushInBackground();
    }
    // Why safe before the write lands: it is the first offset still feeding unwritten state.
    return this.aggregator.commitPoint(lastOffset);
  }

  // ── 3. The flush timer ───────────────────────────────────────────────────────────────────

  /** Why a timer: a partition that went quiet gets no batch, yet its last changes must be written. */
  async flushIfDue(): Promise<void> {
    if (!this.dueForFlush()) return;
    await this.flush().catch((error: unknown) =>
      this.deps.logger.warn(
        { err: error, partition: this.partition },
        'flush of a quiet partition failed; will retry',
      ),
    );
  }

  /** For the flush timer and after each batch (see `FlushCadence`). */
  dueForFlush(): boolean {
    const now = this.now();
    return this.cadence.due(now, {
      maxEventTime: this.aggregator.maxEventTimeSeen,
      watermark: this.aggregator.watermark,
      flushing: this.inFlight !== null,
      resettleDue: this.resettleDue(now),
      somethingToWrite: this.aggregator.hasChanges || !this.counters.empty,
    });
  }

  // ── 4. The write ─────────────────────────────────────────────────────────────────────────

  /** Writes what changed; one flush at a time per partition. Rejects with the write's error. */
  flush(): Promise<void> {
    // Why one at a time: only this partition writes its points, so a newer value never lands first.
    const run = this.tail.then(() => this.writeChanges());
    this.tail = run.catch(() => undefined);
    this.inFlight = this.tail;
    this.inFlightSince = this.now();
    void this.tail.then(() => {
      if (this.inFlight === this.tail) this.inFlight = null;
    });
    return run;
  }

  private flushInBackground(): void {
    this.flush().catch((error: unknown) =>
      this.deps.logger.warn(
        { err: error, partition: this.partition },
        'flush failed; the next batch retries it and waits',
      ),
    );
  }

  private async writeChanges(): Promise<void> {
    // Fencing: a member that may have lost the partition must not write over the new owner.
    if (!this.deps.membershipFresh()) {
      this.deps.metrics.flushes.inc({ result: 'stale_membership' });
      throw new StaleMembershipError();
    }
    const started = this.now();
    const changes = this.aggregator.takeChanges({ resettle: this.resettleDue(started) });
    const pipeline = this.takePipelineLines(started);
    const { points, windowPoints } = this.encodePoints(changes, pipeline);
    // While catching up the watermark is replayed, not news: progress would move backwards.
    const progress = changes.catchingUp ? undefined : progressLine(this.progressOf(changes), started);
    const records = changeSetRecords(this.deps.windowedTopic, this.partition, changes);
    const timer = this.deps.metrics.flushDuration.startTimer();
    let rejected: RejectedPoints[] = [];
    try {
      rejected = await this.writeWindowPoints(points);
      await this.writeProgress(progress);
      await this.produceResults(records, rejected, changes.lastOffset);
    } catch (error) {
      this.putBack(changes, pipeline, error);
      throw error;
    } finally {
      timer();
    }
    this.settle(changes, started);
    this.report(windowPoints, rejected, records.length);
  }

  /**
   * The flush's points as bytes, before its first await: held as line strings across the writes
   * they outlived young-generation collections and filled the old space.
   */
  private encodePoints(
    changes: ChangeSet,
    pipeline: readonly string[],
  ): { points: EncodedLines; windowPoints: number } {
    const lines = changeSetLines(this.partition, changes);
    return { points: EncodedLines.of(lines.concat(pipeline)), windowPoints: lines.length };
  }

  /** What the pipeline counters saw since the last flush, after what a failed flush left. */
  private takePipelineLines(at: number): string[] {
    const pipeline = [...this.carryOver, ...this.counters.take(this.partition, at)];
    this.carryOver = [];
    return pipeline;
  }

  /** Window points first; points InfluxDB refuses for good are set aside, so they stall nothing. */
  private writeWindowPoints(lines: EncodedLines): Promise<RejectedPoints[]> {
    return writeSettingAsideRejected(this.deps.writer, lines, this.checkMembership);
  }

  /**
   * Progress says "every window up to here is written", so it goes in a request of its own, sent
   * only once InfluxDB acknowledged the windows: InfluxDB applies one request's points (even one
   * point's fields) one key at a time, so a reader could otherwise see the progress before all
   * the window fields beside it (seen: a report missing one partition's `orders` while its
   * `units` were there).
   */
  private async writeProgress(progress: string | undefined): Promise<void> {
    if (progress !== undefined) await this.deps.writer.write([progress], this.checkMembership);
  }

  /** Then `metrics.windowed` and the refused points' dead letters, fenced like every request. */
  private async produceResults(
    records: readonly OutgoingRecord[],
    rejected: readonly RejectedPoints[],
    lastOffset: number,
  ): Promise<void> {
    this.checkMembership();
    const deadLetters = rejectedPointsRecords(rejected, {
      deadLetterTopic: this.deps.deadLetterTopic,
      serviceName: this.deps.serviceName,
      sourceTopic: this.deps.sourceTopic,
      sourcePartition: this.partition,
      lastOffset,
      at: new Date(this.now()),
    });
    await this.deps.producer.send([...records, ...deadLetters]);
  }

  /**
   * The write failed: the changes go back (so they hold the commit point and are written again)
   * and every batch retries until a write succeeds.
   */
  private putBack(changes: ChangeSet, pipeline: string[], error: unknown): void {
    // Refused before sending: that request cannot land, so it leaves nothing unsettled.
    const refused = error instanceof StaleMembershipError;
    this.aggregator.restore(changes, { ambiguous: !refused });
    this.carryOver = pipeline;
    this.lastFlushFailed = true;
    const result = refused ? 'stale_membership' : 'failed';
    // Rescheduled from the next success: the delay counts InfluxDB's time answering again.
    this.resettleAt = null;
    this.deps.metrics.flushes.inc({ result });
  }

  /** The write succeeded: final windows are done, and the commit point and frontier may move. */
  private settle(changes: ChangeSet, started: number): void {
    this.aggregator.confirm(changes);
    if (this.aggregator.unsettledWindows === 0) this.resettleAt = null;
    else if (this.resettleAt === null || changes.resettled.length > 0)
      this.resettleAt = this.now() + this.deps.resettleDelayMs;
    if (changes.resettled.length > 0) this.deps.metrics.windowsResettled.inc(changes.resettled.length);
    // Only a successful flush restarts the interval: after a failure every batch retries the
    // write (and so pauses consumption) until InfluxDB is back.
    this.cadence.flushed(started);
    this.lastFlushFailed = false;
    if (!changes.catchingUp) this.flushedProgress = this.progressOf(changes);
  }

  private report(windowPoints: number, rejected: readonly RejectedPoints[], results: number): void {
    this.deps.metrics.flushes.inc({ result: 'ok' });
    const rejectedPoints = rejected.reduce((sum, entry) => sum + entry.lines.length, 0);
    this.deps.metrics.pointsWritten.inc(windowPoints - rejectedPoints);
    if (rejectedPoints > 0) {
      this.deps.metrics.pointsRejected.inc(rejectedPoints);
      this.deps.logger.error(
        {
          partition: this.partition,
          points: rejectedPoints,
          reason: rejected[0]?.error.message,
          deadLetterTopic: this.deps.deadLetterTopic,
        },
        'InfluxDB refused points for good; they are in the dead-letter topic and the rest is written. ' +
          'Fix the cause, then reprocess the affected windows',
      );
    }
    this.deps.metrics.resultsProduced.inc(results);
  }

  /**
   * Checked before every request, not once per flush: a process frozen mid-flush (GC, SIGSTOP, a
   * paused VM) may have lost its partitions by the time it runs again, and its next request
   * would write over the new owner's points.
   */
  private readonly checkMembership = (): void => {
    if (!this.deps.membershipFresh()) throw new StaleMembershipError();
  };

  private resettleDue(now: number): boolean {
    return this.resettleAt !== null && now >= this.resettleAt;
  }

  private progressOf(changes: ChangeSet): PartitionProgress {
    return {
      partition: this.partition,
      watermark: changes.watermark,
      maxEventTime: changes.maxEventTime,
      lastOffset: changes.lastOffset,
    };
  }
}
