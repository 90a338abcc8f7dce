import type { Logger } from '@pulse/observability';
import type { PulseProducer } from '@pulse/kafka';
import { TransientError, undeliveredOutputRecord, type OutgoingRecord } from '@pulse/kafka';
import type { EventFacts } from '../facts/event-facts';
import type { InfluxWriter } from '../influx/influx-writer';
import { writeSettingAsideRejected, type RejectedPoints } from '../influx/rejected-points';
import { changeSetLines } from '../output/influx-lines';
import { changeSetRecords } from '../output/windowed-records';
import { PipelineCounters } from '../pipeline/pipeline-counters';
import { progressLine, type PartitionProgress } from '../pipeline/progress-line';
import type { ChangeSet, CommitPoint, Outcome, PartitionAggregator } from '../state/partition-aggregator';
import type { AggregationMetrics } from './aggregation-metrics';

/** This instance may have lost its partitions: it must not write until its membership is confirmed. */
export class StaleMembershipError extends TransientError {
  constructor() {
    super('no recent consumer-group heartbeat: not writing until membership is confirmed');
    this.name = 'StaleMembershipError';
  }
}

export interface WorkerDeps {
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
 * One assigned partition: its window state, its pipeline counters, and the flushes that make
 * them durable — InfluxDB first, then `metrics.windowed` — one at a time.
 */
export class PartitionWorker {
  private tail: Promise<void> = Promise.resolve();
  /** The flush being written, if any, and since when. */
  private inFlight: Promise<void> | null = null;
  private inFlightSince = 0;
  private lastFlushFailed = false;
  private flushedProgress: PartitionProgress | undefined;
  private lastFlushAt = 0;
  private readonly counters = new PipelineCounters();
  /** Pipeline lines of a failed flush, sent with the next one. */
  private carryOver: string[] = [];
  private readonly now: () => number;
  /** Window indexes of the max event time, the watermark and the clock when last looked at, per size. */
  private seenWindows = '';
  private closingUntil = 0;
  /** When unsettled windows are to be rewritten; null while none are, or InfluxDB still fails. */
  private resettleAt: number | null = null;

  constructor(
    readonly aggregator: PartitionAggregator,
    private readonly deps: WorkerDeps,
    /** The first offset this owner reads (committed offset, or log start). */
    private readonly startOffset = 0,
  ) {
    this.now = deps.now ?? Date.now;
  }

  get partition(): number {
    return this.aggregator.partition;
  }

  /** Offset of the next message to read. */
  get position(): number {
    return Math.max(this.startOffset, this.aggregator.lastHandledOffset + 1);
  }

  count(facts: EventFacts, offset: number): Outcome {
    const outcome = this.aggregator.apply(facts, offset);
    this.counters.record(facts, outcome, this.now());
    this.deps.metrics.events.inc({ outcome });
    return outcome;
  }

  deadLettered(offset: number): void {
    this.counters.recordDeadLetter();
    this.aggregator.handled(offset);
  }

  /**
   * After a batch: say what to commit, and keep InfluxDB and `metrics.windowed` current without
   * making consumption wait for them. Committing without flushing is safe: the commit point never
   * passes state that is not written yet. Waits (so the runner pauses this partition) only while
   * writes fail — the retry throws until the sink is back — or lag behind by more than an interval.
   */
  async afterBatch(lastOffset: number): Promise<CommitPoint> {
    const wasCatchingUp = this.aggregator.catchingUp;
    this.aggregator.handled(lastOffset);
    const caughtUp = wasCatchingUp && !this.aggregator.catchingUp;
    if (this.lastFlushFailed) {
      await this.flush();
    } else if (this.inFlight !== null && this.now() - this.inFlightSince > this.deps.flushIntervalMs) {
      await this.inFlight;
    } else if (caughtUp || this.dueForFlush()) {
      this.flushInBackground();
    }
    return this.aggregator.commitPoint(lastOffset);
  }

  /**
   * For the flush timer (partitions that went quiet still get their last changes written) and
   * after each batch. While a window is closing — its end passed in event time, in watermark or on
   * the clock within the last open-window interval — changes are written every `flushIntervalMs`,
   * so final counts land promptly (stragglers of the closing window included, and the last window
   * before traffic pauses, which no later event closes); otherwise only the running counts of open
   * windows changed, and every `openWindowFlushIntervalMs` is enough.
   */
  dueForFlush(): boolean {
    const now = this.now();
    const openInterval = this.deps.openWindowFlushIntervalMs ?? this.deps.flushIntervalMs;
    // Looked at on every call, so a crossing is noticed when it happens, not at the next flush.
    const closing = this.windowClosing(now, openInterval);
    if (this.inFlight !== null) return false;
    if (this.resettleDue(now)) return true;
    if (!this.aggregator.hasChanges && this.counters.empty) return false;
    const sinceLastFlush = now - this.lastFlushAt;
    if (sinceLastFlush < this.deps.flushIntervalMs) return false;
    return closing || sinceLastFlush >= openInterval;
  }

  private resettleDue(now: number): boolean {
    return this.resettleAt !== null && now >= this.resettleAt;
  }

  private windowClosing(now: number, openInterval: number): boolean {
    const sizes = this.deps.windowSizesMs;
    if (sizes === undefined || sizes.length === 0) return true;
    const { maxEventTimeSeen, watermark } = this.aggregator;
    let windows = '';
    for (const size of sizes) {
      windows += `${Math.floor(maxEventTimeSeen / size)}/${Math.floor(watermark / size)}/${Math.floor(now / size)} `;
    }
    if (windows !== this.seenWindows) {
      // The first look after an assignment counts as a crossing too: nothing says otherwise.
      this.seenWindows = windows;
      this.closingUntil = now + openInterval;
    }
    return now < this.closingUntil;
  }

  /** Writes what changed; one flush at a time per partition. Rejects with the write's error. */
  flush(): Promise<void> {
    const run = this.tail.then(() => this.flushNow());
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

  /**
   * The progress of the last successful flush, stamped now: for partitions with nothing else to
   * write (idle but owned), so their stalled watermark stays visible. Never the in-memory state:
   * progress means "written up to here".
   */
  progress(): string | undefined {
    return this.flushedProgress === undefined ? undefined : progressLine(this.flushedProgress, this.now());
  }

  private progressOf(changes: ChangeSet): PartitionProgress {
    return {
      partition: this.partition,
      watermark: changes.watermark,
      maxEventTime: changes.maxEventTime,
      lastOffset: changes.lastOffset,
    };
  }

  /**
   * Checked before every request, not once per flush: a process frozen mid-flush (GC, SIGSTOP, a
   * paused VM) may have lost its partitions by the time it runs again, and its next request
   * would write over the new owner's points.
   */
  private readonly checkMembership = (): void => {
    if (!this.deps.membershipFresh()) throw new StaleMembershipError();
  };

  private deadLettersOf(rejected: readonly RejectedPoints[], lastOffset: number): OutgoingRecord[] {
    const firstFailureTime = new Date(this.now());
    return rejected.map(({ lines, error }) =>
      undeliveredOutputRecord(
        this.deps.deadLetterTopic,
        this.deps.serviceName,
        {
          key: null,
          value: lines.join('\n'),
          sourceTopic: this.deps.sourceTopic,
          sourcePartition: this.partition,
          sourceOffset: String(lastOffset),
        },
        { errorClass: error.name, errorMessage: error.message, attempts: 1, firstFailureTime },
      ),
    );
  }

  private async flushNow(): Promise<void> {
    if (!this.deps.membershipFresh()) {
      this.deps.metrics.flushes.inc({ result: 'stale_membership' });
      throw new StaleMembershipError();
    }
    const started = this.now();
    const changes = this.aggregator.takeChanges({ resettle: this.resettleDue(started) });
    const pipeline = [...this.carryOver, ...this.counters.take(this.partition, started)];
    this.carryOver = [];
    const lines = changeSetLines(this.partition, changes);
    // While catching up the watermark is replayed, not news: progress would move backwards.
    const progress = changes.catchingUp ? undefined : progressLine(this.progressOf(changes), started);
    const records = changeSetRecords(this.deps.windowedTopic, this.partition, changes);
    const timer = this.deps.metrics.flushDuration.startTimer();
    let rejected: RejectedPoints[] = [];
    try {
      rejected = await writeSettingAsideRejected(
        this.deps.writer,
        [...lines, ...pipeline],
        this.checkMembership,
      );
      // Progress says "every window up to here is written", so it goes in a request of its own,
      // sent only once InfluxDB acknowledged the windows: InfluxDB applies one request's points
      // (even one point's fields) one key at a time, so a reader could otherwise see the
      // progress before all the window fields beside it (seen: a report missing one
      // partition's `orders` while its `units` were there).
      if (progress !== undefined) await this.deps.writer.write([progress], this.checkMembership);
      this.checkMembership();
      await this.deps.producer.send([...records, ...this.deadLettersOf(rejected, changes.lastOffset)]);
    } catch (error) {
      // Refused before sending: that request cannot land, so it leaves nothing unsettled.
      const refused = error instanceof StaleMembershipError;
      this.aggregator.restore(changes, { ambiguous: !refused });
      this.carryOver = pipeline;
      this.lastFlushFailed = true;
      const result = refused ? 'stale_membership' : 'failed';
      // Rescheduled from the next success: the delay counts InfluxDB's time answering again.
      this.resettleAt = null;
      this.deps.metrics.flushes.inc({ result });
      throw error;
    } finally {
      timer();
    }
    this.aggregator.confirm(changes);
    if (this.aggregator.unsettledWindows === 0) this.resettleAt = null;
    else if (this.resettleAt === null || changes.resettled.length > 0)
      this.resettleAt = this.now() + this.deps.resettleDelayMs;
    if (changes.resettled.length > 0) this.deps.metrics.windowsResettled.inc(changes.resettled.length);
    // Only a successful flush restarts the interval: after a failure every batch retries the
    // write (and so pauses consumption) until InfluxDB is back.
    this.lastFlushAt = started;
    this.lastFlushFailed = false;
    if (!changes.catchingUp) this.flushedProgress = this.progressOf(changes);
    this.deps.metrics.flushes.inc({ result: 'ok' });
    const rejectedPoints = rejected.reduce((sum, entry) => sum + entry.lines.length, 0);
    this.deps.metrics.pointsWritten.inc(lines.length - rejectedPoints);
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
    this.deps.metrics.resultsProduced.inc(records.length);
  }
}
