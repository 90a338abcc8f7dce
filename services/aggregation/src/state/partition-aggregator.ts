import type { EventFacts } from '../facts/event-facts';
import { eventClockOf, TOTAL_KEY } from '../facts/event-facts';
import { windowStartOf, type WindowSpec } from '../windows/window-spec';
import { encodeCommitMetadata } from '@pulse/contracts';
import { DedupeLog } from './dedupe-log';
import { currencyTotals, type GroupDims, type GroupTotals, LateTotals } from './group-totals';
import { WindowState, type StateOrigin } from './window-state';

export interface AggregationSettings {
  /** Window sizes, smallest first. */
  readonly windows: readonly WindowSpec[];
  readonly allowedLatenessMs: number;
  /** How long (in partition event time) an event id is remembered; ≥ largest window + lateness. */
  readonly dedupeHorizonMs: number;
}

/** Where a partition resumes: from the commit metadata and the partition end at assignment. */
export interface ResumePoint {
  /** The partition's max event time before the first message to be (re)processed; -∞ if none. */
  readonly maxEventTime: number;
  /** Windows ending at or before this were written final by an earlier owner; -∞ if none. */
  readonly frontier: number;
  /** The partition's end offset at assignment: until it is reached, only final windows are written. */
  readonly catchUpUntil: number | null;
}

export const FRESH_START: ResumePoint = {
  maxEventTime: Number.NEGATIVE_INFINITY,
  frontier: Number.NEGATIVE_INFINITY,
  catchUpUntil: null,
};

export type Outcome = 'counted' | 'late' | 'duplicate' | 'ignored';

/** Groups of one window whose values changed since they were last written. */
export interface WindowUpdate {
  readonly window: WindowState;
  readonly groups: readonly GroupTotals[];
}

/** Everything to write in one flush: final windows (all groups) and changed groups of open ones. */
export interface ChangeSet {
  readonly finals: readonly WindowState[];
  readonly updates: readonly WindowUpdate[];
  readonly watermark: number;
  readonly maxEventTime: number;
  readonly catchingUp: boolean;
  readonly lastOffset: number;
  /** Unsettled windows this change set rewrites whole (see `unsettled`). */
  readonly resettled: readonly WindowState[];
}

export interface TakeOptions {
  /** Also rewrite every unsettled window whole (final or with all its groups). */
  readonly resettle?: boolean;
}

export interface CommitPoint {
  readonly offset: string;
  readonly metadata: string;
}

const TOTAL_DIMS: GroupDims = { grouping: 'total', category: null, region: null, productId: null };

/**
 * The window state of one partition of `events.enriched`: event-time tumbling windows per
 * configured size, a watermark (max event time − allowed lateness, where each event's time
 * counts at most up to when ingestion accepted it: see `eventClockOf`), late events
 * counted apart, duplicates within the horizon counted once, and the Kappa-style commit point
 * from which a new owner rebuilds exactly this state by replay.
 *
 * Every decision depends only on the messages since the commit point and the max event time
 * before it (kept in the commit metadata), so a replay repeats it exactly.
 */
export class PartitionAggregator {
  private maxEventTime: number;
  private frontier: number;
  private catchUpUntil: number | null;
  private lastOffset = -1;
  /** Open windows per window size (same index as settings.windows), by start. */
  private readonly open: Map<number, WindowState>[];
  private nextCloseAt = Number.POSITIVE_INFINITY;
  private pendingFinals: WindowState[] = [];
  private readonly inFlightFinals = new Set<WindowState>();
  /**
   * Windows carried by a write whose outcome is unknown: InfluxDB may still apply that request
   * after a later one, so their points may hold older values than were written since. They are
   * rewritten whole once InfluxDB has settled (`takeChanges({ resettle })`).
   */
  private readonly unsettled = new Set<WindowState>();
  private readonly dedupe: DedupeLog;
  private changed = false;

  constructor(
    readonly partition: number,
    private readonly settings: AggregationSettings,
    resume: ResumePoint = FRESH_START,
  ) {
    if (settings.windows.length === 0) throw new Error('at least one window size is needed');
    this.maxEventTime = resume.maxEventTime;
    this.frontier = resume.frontier;
    this.catchUpUntil = resume.catchUpUntil;
    this.open = settings.windows.map(() => new Map());
    this.dedupe = new DedupeLog((settings.windows[0] as WindowSpec).sizeMs, settings.dedupeHorizonMs);
  }

  get watermark(): number {
    return this.maxEventTime - this.settings.allowedLatenessMs;
  }

  get maxEventTimeSeen(): number {
    return this.maxEventTime;
  }

  get catchingUp(): boolean {
    return this.catchUpUntil !== null;
  }

  get lastHandledOffset(): number {
    return this.lastOffset;
  }

  /** True when a flush would write something. */
  get hasChanges(): boolean {
    return this.changed || this.pendingFinals.length > 0;
  }

  get openWindows(): number {
    return this.open.reduce((sum, windows) => sum + windows.size, 0);
  }

  /** Windows whose points may have been overwritten by a late request (see `unsettled`). */
  get unsettledWindows(): number {
    return this.unsettled.size;
  }

  get rememberedIds(): number {
    return this.dedupe.size;
  }

  /** Counts one event (message at `offset`) into its windows, or as late, or not at all. */
  apply(facts: EventFacts, offset: number): Outcome {
    const outcome = this.count(facts, offset);
    this.handled(offset);
    return outcome;
  }

  /** Notes that every message up to `offset` was handled (also dead-lettered ones). */
  handled(offset: number): void {
    if (offset > this.lastOffset) this.lastOffset = offset;
    if (this.catchUpUntil !== null && offset + 1 >= this.catchUpUntil) {
      // Caught up: open windows now hold their full values, so write them all.
      this.catchUpUntil = null;
      for (const windows of this.open) for (const window of windows.values()) window.markAllDirty();
      this.changed = true;
    }
  }

  /**
   * Takes what must be written now; the caller writes it and then calls `confirm` (or `restore`
   * if the write failed). While catching up, only final windows are taken: partial values of an
   * open window would move a point already written by the previous owner backwards. With
   * `resettle`, unsettled windows are taken whole: closed ones as finals again, open ones with
   * every group (not while catching up; they wait for the end of it).
   */
  takeChanges(options: TakeOptions = {}): ChangeSet {
    const finals = this.pendingFinals;
    this.pendingFinals = [];
    const resettled: WindowState[] = [];
    if (options.resettle === true) {
      for (const window of this.unsettled) {
        if (this.isOpen(window)) {
          if (this.catchUpUntil !== null) continue;
          window.markAllDirty();
        } else if (!finals.includes(window)) {
          finals.push(window);
        }
        resettled.push(window);
      }
    }
    for (const window of finals) this.inFlightFinals.add(window);
    const updates: WindowUpdate[] = [];
    if (this.catchUpUntil === null) {
      for (const windows of this.open) {
        for (const window of windows.values()) {
          if (window.dirty.size === 0) continue;
          if (window.end <= this.frontier) {
            // Written final by an earlier owner (or before a reprocess's start, see
            // replayMetadata); what the replay rebuilt of it may be partial. Normally the
            // watermark has passed such a window by the end of the catch-up; after a reprocess
            // it may not have yet.
            window.dirty.clear();
            continue;
          }
          updates.push({ window, groups: [...window.dirty] });
          window.dirty.clear();
        }
      }
    }
    this.changed = false;
    return {
      finals,
      updates,
      watermark: this.watermark,
      maxEventTime: this.maxEventTime,
      catchingUp: this.catchUpUntil !== null,
      lastOffset: this.lastOffset,
      resettled,
    };
  }

  /** The changes were written: final windows are done, and later owners need not rewrite them. */
  confirm(changes: ChangeSet): void {
    for (const window of changes.finals) this.inFlightFinals.delete(window);
    for (const window of changes.resettled) this.unsettled.delete(window);
    // Every window ending at or before this watermark was final when the changes were taken,
    // and is now written (in these changes or earlier). Not held back for unsettled windows: a
    // successor replaying windows before the frontier would rebuild other, settled ones partially.
    if (changes.watermark > this.frontier) this.frontier = changes.watermark;
  }

  /**
   * The write failed: put the changes back so the next flush writes them again. A failed write
   * may still have reached InfluxDB (a timeout, a reset after sending, a 5xx after applying):
   * unless it is known not to have been sent, every window it carried becomes unsettled.
   */
  restore(changes: ChangeSet, { ambiguous = true }: { ambiguous?: boolean } = {}): void {
    const mark = (window: WindowState): void => {
      if (ambiguous) this.unsettled.add(window);
    };
    for (const window of changes.finals) {
      this.inFlightFinals.delete(window);
      mark(window);
    }
    this.pendingFinals = [...changes.finals, ...this.pendingFinals];
    for (const { window, groups } of changes.updates) {
      mark(window);
      // A window closed since then is among the pending finals with all its groups.
      if (!this.isOpen(window)) continue;
      for (const group of groups) window.dirty.add(group);
    }
    this.changed = true;
  }

  /**
   * The offset to commit after `lastHandledOffset`: the first message still feeding state held
   * here (open windows, finals not yet written, remembered ids a replay needs), so a new owner
   * replaying from it rebuilds this state exactly. The metadata carries the max event time
   * before that offset and the frontier of windows already written final.
   */
  commitPoint(lastHandledOffset: number): CommitPoint {
    let origin: StateOrigin | undefined;
    let lowestArrival = this.maxEventTime;
    const consider = (candidate: StateOrigin): void => {
      if (origin === undefined || candidate.firstOffset < origin.firstOffset) origin = candidate;
    };
    const considerTarget = (window: WindowState): void => {
      consider(window);
      if (window.firstArrival < lowestArrival) lowestArrival = window.firstArrival;
    };
    for (const windows of this.open) for (const window of windows.values()) considerTarget(window);
    for (const window of this.pendingFinals) considerTarget(window);
    for (const window of this.inFlightFinals) considerTarget(window);
    this.dedupe.release(lowestArrival);
    const oldestIds = this.dedupe.oldest();
    if (oldestIds !== undefined) consider(oldestIds);

    const resumeFrom = origin as StateOrigin | undefined;
    const offset =
      resumeFrom === undefined ? Math.max(lastHandledOffset, this.lastOffset) + 1 : resumeFrom.firstOffset;
    const maxBefore = resumeFrom === undefined ? this.maxEventTime : resumeFrom.maxBefore;
    return {
      offset: String(offset),
      metadata: encodeCommitMetadata({ maxEventTime: maxBefore, frontier: this.frontier }),
    };
  }

  private count(facts: EventFacts, offset: number): Outcome {
    // Inventory changes neither feed a metric nor move the watermark (another system's clock).
    if (facts.kind === 'other') return 'ignored';
    // The max event time and the remembered ids depend only on the messages, never on a
    // decision taken about them, so a replay that cannot see earlier messages (and so may judge
    // a duplicate differently) cannot change any later decision.
    const maxBefore = this.maxEventTime;
    const clock = eventClockOf(facts);
    if (clock > this.maxEventTime) this.maxEventTime = clock;
    const watermark = this.watermark;
    const duplicate = this.dedupe.isDuplicate(facts.id, this.maxEventTime);
    this.dedupe.add(facts.id, this.maxEventTime, offset, maxBefore);
    if (duplicate) {
      if (watermark >= this.nextCloseAt) this.closeUpTo(watermark);
      return 'duplicate';
    }
    let lateInSmallest = false;
    this.settings.windows.forEach((spec, index) => {
      const start = windowStartOf(facts.time, spec.sizeMs);
      if (start + spec.sizeMs <= watermark) {
        // Late for this size: never merged into the closed window; counted in the newest one.
        const newest = this.window(index, windowStartOf(this.maxEventTime, spec.sizeMs), offset, maxBefore);
        this.addLate(newest, facts);
        if (index === 0) lateInSmallest = true;
      } else {
        this.addOnTime(this.window(index, start, offset, maxBefore), facts);
      }
    });
    if (watermark >= this.nextCloseAt) this.closeUpTo(watermark);
    return lateInSmallest ? 'late' : 'counted';
  }

  private window(index: number, start: number, offset: number, maxBefore: number): WindowState {
    const windows = this.open[index] as Map<number, WindowState>;
    let window = windows.get(start);
    if (window === undefined) {
      const spec = this.settings.windows[index] as WindowSpec;
      window = new WindowState(spec, start, offset, maxBefore, this.maxEventTime);
      windows.set(start, window);
      if (window.end < this.nextCloseAt) this.nextCloseAt = window.end;
    }
    return window;
  }

  private closeUpTo(watermark: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const windows of this.open) {
      for (const [start, window] of windows) {
        if (window.end > watermark) {
          if (window.end < next) next = window.end;
          continue;
        }
        windows.delete(start);
        window.closedAt = watermark;
        // At or behind the frontier, an earlier owner already wrote this window final; what
        // was rebuilt here may be partial (its first messages precede the replay), so drop it.
        if (window.end > this.frontier) this.pendingFinals.push(window);
      }
    }
    this.nextCloseAt = next;
  }

  private touch(window: WindowState, group: GroupTotals): void {
    if (this.catchUpUntil === null) {
      window.dirty.add(group);
      this.changed = true;
    }
  }

  private addOnTime(window: WindowState, facts: EventFacts): void {
    if (facts.kind === 'other') return;
    const groups = [
      window.group(TOTAL_KEY, () => TOTAL_DIMS),
      window.group(facts.regionKey, () => ({
        grouping: 'region',
        category: null,
        region: facts.region,
        productId: null,
      })),
    ];
    if (facts.kind === 'order') {
      const { order } = facts;
      for (const group of groups)
        this.addOrder(
          window,
          group,
          facts.time,
          order.currency,
          order.customerId,
          order.units,
          order.revenueMinor,
        );
      for (const share of order.categories) {
        const byCategory = window.group(share.key, () => ({
          grouping: 'category',
          category: share.category,
          region: null,
          productId: null,
        }));
        const byPair = window.group(share.crossKey, () => ({
          grouping: 'category_region',
          category: share.category,
          region: facts.region,
          productId: null,
        }));
        this.addOrder(
          window,
          byCategory,
          facts.time,
          order.currency,
          order.customerId,
          share.units,
          share.revenueMinor,
        );
        this.addOrder(
          window,
          byPair,
          facts.time,
          order.currency,
          order.customerId,
          share.units,
          share.revenueMinor,
        );
      }
      for (const share of order.products) {
        const byProduct = window.group(share.key, () => ({
          grouping: 'product',
          category: share.category,
          region: null,
          productId: share.productId,
        }));
        this.addOrder(window, byProduct, facts.time, order.currency, null, share.units, share.revenueMinor);
      }
      return;
    }
    groups.push(
      window.group(facts.categoryKey, () => ({
        grouping: 'category',
        category: facts.category,
        region: null,
        productId: null,
      })),
      window.group(facts.crossKey, () => ({
        grouping: 'category_region',
        category: facts.category,
        region: facts.region,
        productId: null,
      })),
    );
    for (const group of groups) {
      if (facts.kind === 'view') group.views += 1;
      else group.cartAdds += 1;
      if (facts.time > group.lastEventTime) group.lastEventTime = facts.time;
      this.touch(window, group);
    }
  }

  private addOrder(
    window: WindowState,
    group: GroupTotals,
    time: number,
    currency: string,
    customerId: string | null,
    units: number,
    revenueMinor: number,
  ): void {
    group.orders += 1;
    group.units += units;
    const money = currencyTotals((group.revenue ??= new Map()), currency);
    money.minor += revenueMinor;
    money.orders += 1;
    money.units += units;
    if (customerId !== null) (group.customers ??= new Set()).add(customerId);
    if (time > group.lastEventTime) group.lastEventTime = time;
    this.touch(window, group);
  }

  private addLate(window: WindowState, facts: EventFacts): void {
    if (facts.kind === 'other') return;
    const kind = facts.kind;
    const currency = facts.kind === 'order' ? facts.order.currency : '';
    const lateIn = (group: GroupTotals, units: number, revenueMinor: number): void => {
      const late = (group.late ??= new LateTotals());
      late.events += 1;
      if (kind === 'view') late.views += 1;
      else if (kind === 'cart') late.cartAdds += 1;
      else {
        late.orders += 1;
        late.units += units;
        const money = currencyTotals(late.revenue, currency);
        money.minor += revenueMinor;
        money.orders += 1;
        money.units += units;
      }
      this.touch(window, group);
    };
    const total = window.group(TOTAL_KEY, () => TOTAL_DIMS);
    const byRegion = window.group(facts.regionKey, () => ({
      grouping: 'region',
      category: null,
      region: facts.region,
      productId: null,
    }));
    if (facts.kind === 'order') {
      lateIn(total, facts.order.units, facts.order.revenueMinor);
      lateIn(byRegion, facts.order.units, facts.order.revenueMinor);
      for (const share of facts.order.categories) {
        lateIn(
          window.group(share.key, () => ({
            grouping: 'category',
            category: share.category,
            region: null,
            productId: null,
          })),
          share.units,
          share.revenueMinor,
        );
        lateIn(
          window.group(share.crossKey, () => ({
            grouping: 'category_region',
            category: share.category,
            region: facts.region,
            productId: null,
          })),
          share.units,
          share.revenueMinor,
        );
      }
      return;
    }
    lateIn(total, 0, 0);
    lateIn(byRegion, 0, 0);
    lateIn(
      window.group(facts.categoryKey, () => ({
        grouping: 'category',
        category: facts.category,
        region: null,
        productId: null,
      })),
      0,
      0,
    );
    lateIn(
      window.group(facts.crossKey, () => ({
        grouping: 'category_region',
        category: facts.category,
        region: facts.region,
        productId: null,
      })),
      0,
      0,
    );
  }

  private isOpen(window: WindowState): boolean {
    return this.open[this.settings.windows.indexOf(window.spec)]?.get(window.start) === window;
  }
}
