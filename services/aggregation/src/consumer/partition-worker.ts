import type { Logger } from '@pulse/observability';
import type { PulseProducer } from '@pulse/kafka';
import { TransientError } from '@pulse/kafka';
import type { EventFacts } from '../facts/event-facts';
import type { InfluxWriter } from '../influx/influx-writer';
import { changeSetLines } from '../output/influx-lines';
import { changeSetRecords } from '../output/windowed-records';
import { PipelineCounters } from '../pipeline/pipeline-counters';
import { progressLine, type PartitionProgress } from '../pipeline/progress-line';
import type { ChangeSet, CommitPoint, Outcome, PartitionAggregator } from '../state/partition-aggregator';
import type { AggregationMetrics } from './aggregation-metrics';

export interface WorkerDeps {
  readonly writer: InfluxWriter;
  readonly producer: PulseProducer;
  readonly windowedTopic: string;
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
    if (!this.aggregator.hasChanges && this.counters.empty) return false;
    const sinceLastFlush = now - this.lastFlushAt;
    if (sinceLastFlush < this.deps.flushIntervalMs) return false;
    return closing || sinceLastFlush >= openInterval;
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

  private async flushNow(): Promise<void> {
    if (!this.deps.membershipFresh()) {
      throw new TransientError(
        'no recent consumer-group heartbeat: not writing until membership is confirmed',
      );
    }
    const started = this.now();
    const changes = this.aggregator.takeChanges();
    const pipeline = [...this.carryOver, ...this.counters.take(this.partition, started)];
    this.carryOver = [];
    const lines = changeSetLines(this.partition, changes);
    // While catching up the watermark is replayed, not news: progress would move backwards.
    const progress = changes.catchingUp ? undefined : progressLine(this.progressOf(changes), started);
    const records = changeSetRecords(this.deps.windowedTopic, this.partition, changes);
    const timer = this.deps.metrics.flushDuration.startTimer();
    try {
      await this.deps.writer.write([...lines, ...pipeline]);
      // Progress says "every window up to here is written", so it goes in a request of its own,
      // sent only once InfluxDB acknowledged the windows: InfluxDB applies one request's points
      // (even one point's fields) one key at a time, so a reader could otherwise see the
      // progress before all the window fields beside it (seen: a report missing one
      // partition's `orders` while its `units` were there).
      if (progress !== undefined) await this.deps.writer.write([progress]);
      await this.deps.producer.send(records);
    } catch (error) {
      this.aggregator.restore(changes);
      this.carryOver = pipeline;
      this.lastFlushFailed = true;
      this.deps.metrics.flushes.inc({ result: 'failed' });
      throw error;
    } finally {
      timer();
    }
    this.aggregator.confirm(changes);
    // Only a successful flush restarts the interval: after a failure every batch retries the
    // write (and so pauses consumption) until InfluxDB is back.
    this.lastFlushAt = started;
    this.lastFlushFailed = false;
    if (!changes.catchingUp) this.flushedProgress = this.progressOf(changes);
    this.deps.metrics.flushes.inc({ result: 'ok' });
    this.deps.metrics.pointsWritten.inc(lines.length);
    this.deps.metrics.resultsProduced.inc(records.length);
  }
}
