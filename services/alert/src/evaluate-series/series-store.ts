import type { Series, Signal } from '../forward-signal/signal';
import { seriesKey } from '../forward-signal/signal';

/** The sum of every contributor's latest share of one window. */
export interface WindowTotals {
  start: number;
  end: number;
  revenue: Record<string, number>;
  orders: number;
  late: number;
  deadLettered: number;
  /** Every contributor has sent its final result. */
  final: boolean;
  lastEventTime: number | null;
}

interface Contribution {
  sourceOffset: bigint;
  final: boolean;
  lastEventTime: number | null;
  revenue: Record<string, number>;
  orders: number;
  late: number;
  deadLettered: number;
  /** The first signal offset a replay must start at to rebuild this contribution. */
  neededFrom: bigint;
}

class WindowCell {
  readonly contributions = new Map<string, Contribution>();

  constructor(
    readonly start: number,
    readonly sizeMs: number,
  ) {}

  totals(): WindowTotals {
    const revenue: Record<string, number> = {};
    let orders = 0;
    let late = 0;
    let deadLettered = 0;
    let final = this.contributions.size > 0;
    let lastEventTime: number | null = null;
    for (const share of this.contributions.values()) {
      for (const [currency, amount] of Object.entries(share.revenue)) {
        revenue[currency] = (revenue[currency] ?? 0) + amount;
      }
      orders += share.orders;
      late += share.late;
      deadLettered += share.deadLettered;
      final &&= share.final;
      if (share.lastEventTime !== null) lastEventTime = Math.max(lastEventTime ?? 0, share.lastEventTime);
    }
    return {
      start: this.start,
      end: this.start + this.sizeMs,
      revenue,
      orders,
      late,
      deadLettered,
      final,
      lastEventTime,
    };
  }

  neededFrom(): bigint | null {
    let min: bigint | null = null;
    for (const { neededFrom } of this.contributions.values())
      if (min === null || neededFrom < min) min = neededFrom;
    return min;
  }
}

/** One series' recent windows, oldest first when listed. */
export class SeriesHistory {
  readonly windows = new Map<number, WindowCell>();
  /** Highest source offset counted per contributor of `increment` signals (dead letters). */
  readonly countedUpTo = new Map<string, bigint>();

  constructor(readonly series: Series) {}

  get sizeMs(): number {
    return this.series.windowSizeMs;
  }

  totals(start: number): WindowTotals | undefined {
    return this.windows.get(start)?.totals();
  }

  /** Start of the newest window every contributor finished, if any. */
  latestFinalStart(): number | null {
    let max: number | null = null;
    for (const [start, cell] of this.windows)
      if (cell.totals().final && (max === null || start > max)) max = start;
    return max;
  }

  latestStart(): number | null {
    let max: number | null = null;
    for (const start of this.windows.keys()) if (max === null || start > max) max = start;
    return max;
  }

  /**
   * Totals of the window starting at `start`, if a result for it arrived. A missing window is
   * unknown, not zero: results of one series come through different partitions and one may
   * simply not be here yet (and aggregation emits nothing for a window without activity).
   */
  slot(start: number): WindowTotals | undefined {
    return this.totals(start);
  }

  /** Currencies seen in any window held (a currency that stopped selling still needs a verdict). */
  currencies(): Set<string> {
    const result = new Set<string>();
    for (const cell of this.windows.values()) {
      for (const share of cell.contributions.values())
        for (const currency of Object.keys(share.revenue)) result.add(currency);
    }
    return result;
  }
}

export interface ApplyResult {
  history: SeriesHistory;
  windowStart: number;
  /** False when the signal was a replay of something already counted. */
  changed: boolean;
}

/**
 * The recent windows of every series on one `alerts.signals` partition. Rebuilt after a restart
 * by replaying the partition from `neededFrom()` — the evaluator commits that offset.
 */
export class SeriesStore {
  private readonly histories = new Map<string, SeriesHistory>();
  private latestEnd = 0;

  /** End of the newest window result seen on the partition: its data clock. */
  latestWindowEnd(): number {
    return this.latestEnd;
  }

  apply(signal: Signal, signalOffset: bigint): ApplyResult {
    if (signal.series.source === 'metrics') {
      this.latestEnd = Math.max(this.latestEnd, signal.windowStart + signal.series.windowSizeMs);
    }
    const key = seriesKey(signal.series);
    let history = this.histories.get(key);
    if (!history) {
      history = new SeriesHistory(signal.series);
      this.histories.set(key, history);
    }
    let cell = history.windows.get(signal.windowStart);
    const sourceOffset = BigInt(signal.sourceOffset);
    const result = { history, windowStart: signal.windowStart, changed: false };

    if (signal.mode === 'increment') {
      const counted = history.countedUpTo.get(signal.contributor);
      if (counted !== undefined && sourceOffset <= counted) return result;
      history.countedUpTo.set(signal.contributor, sourceOffset);
      cell ??= this.newCell(history, signal.windowStart);
      const share = cell.contributions.get(signal.contributor);
      if (share) {
        share.deadLettered += signal.deadLettered;
        share.sourceOffset = sourceOffset;
        share.lastEventTime = maxTime(share.lastEventTime, signal.lastEventTime);
      } else {
        cell.contributions.set(signal.contributor, {
          ...shareOf(signal, sourceOffset),
          neededFrom: signalOffset,
        });
      }
      return { ...result, changed: true };
    }

    const previous = cell?.contributions.get(signal.contributor);
    if (previous && sourceOffset <= previous.sourceOffset) return result;
    cell ??= this.newCell(history, signal.windowStart);
    cell.contributions.set(signal.contributor, {
      ...shareOf(signal, sourceOffset),
      neededFrom: signalOffset,
    });
    return { ...result, changed: true };
  }

  get(series: Series): SeriesHistory | undefined {
    return this.histories.get(seriesKey(series));
  }

  all(): IterableIterator<SeriesHistory> {
    return this.histories.values();
  }

  /**
   * Keeps, per series, the newest `keepWindows(history)` windows, and drops series with nothing
   * newer than `idleBefore(history)` (a category that stopped selling must not pin the replay).
   */
  prune(
    keepWindows: (history: SeriesHistory) => number,
    idleBefore: (history: SeriesHistory) => number,
  ): void {
    for (const [key, history] of this.histories) {
      const latest = history.latestStart();
      if (latest === null || latest + history.sizeMs < idleBefore(history)) {
        this.histories.delete(key);
        continue;
      }
      const oldestKept = latest - (keepWindows(history) - 1) * history.sizeMs;
      for (const start of history.windows.keys()) if (start < oldestKept) history.windows.delete(start);
    }
  }

  /** The first signal offset still needed to rebuild this state; null when nothing is held. */
  neededFrom(): bigint | null {
    let min: bigint | null = null;
    for (const history of this.histories.values()) {
      for (const cell of history.windows.values()) {
        const needed = cell.neededFrom();
        if (needed !== null && (min === null || needed < min)) min = needed;
      }
    }
    return min;
  }

  private newCell(history: SeriesHistory, start: number): WindowCell {
    const cell = new WindowCell(start, history.sizeMs);
    history.windows.set(start, cell);
    return cell;
  }
}

function shareOf(signal: Signal, sourceOffset: bigint): Omit<Contribution, 'neededFrom'> {
  return {
    sourceOffset,
    final: signal.final,
    lastEventTime: signal.lastEventTime,
    revenue: { ...signal.revenue },
    orders: signal.orders,
    late: signal.late,
    deadLettered: signal.deadLettered,
  };
}

function maxTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
