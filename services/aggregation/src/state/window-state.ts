import type { WindowSpec } from '../windows/window-spec';
import type { GroupDims, GroupTotals } from './group-totals';
import { GroupTotals as Totals } from './group-totals';

/**
 * Where the replay that rebuilds a piece of state must start: the offset of the first message
 * that fed it, the partition's max event time before that message, and the arrival clock (max
 * event time) just after it.
 */
export interface StateOrigin {
  readonly firstOffset: number;
  readonly maxBefore: number;
  readonly firstArrival: number;
}

/** One open (or just closed, not yet written) window of one size on one partition. */
export class WindowState implements StateOrigin {
  readonly groups = new Map<string, GroupTotals>();
  /** Groups changed since their last write. */
  readonly dirty = new Set<GroupTotals>();
  readonly end: number;
  /** The watermark that closed the window (deterministic under replay); null while open. */
  closedAt: number | null = null;

  constructor(
    readonly spec: WindowSpec,
    readonly start: number,
    readonly firstOffset: number,
    readonly maxBefore: number,
    readonly firstArrival: number,
  ) {
    this.end = start + spec.sizeMs;
  }

  group(key: string, dims: () => GroupDims): GroupTotals {
    let totals = this.groups.get(key);
    if (totals === undefined) {
      totals = new Totals(dims());
      this.groups.set(key, totals);
    }
    return totals;
  }

  markAllDirty(): void {
    for (const totals of this.groups.values()) this.dirty.add(totals);
  }
}
