import type { CommitPoint } from '@pulse/kafka';

/**
 * Where a stateful input partition stands in its replay. The evaluator keeps its per-partition
 * state in memory only and rebuilds it Kappa-style: it commits the first offset its state still
 * needs, with the highest offset it ever handled (the live edge) in the commit metadata. A new
 * owner re-reads from the commit and only rebuilds state up to the live edge — the alerts for
 * those records were already written — then evaluates again.
 */
export class ReplayPosition {
  private liveEdge: bigint | null;
  private caughtUp: boolean;

  /** `committedOffset` is -1 (Kafka's "none") for a partition the group never committed. */
  constructor(committedOffset: string, committedMetadata: string | null | undefined) {
    this.liveEdge = parseLiveEdge(committedMetadata);
    this.caughtUp = this.liveEdge === null || BigInt(committedOffset) > this.liveEdge;
  }

  /** Past the live edge: time-driven checks of this partition's alerts may run. */
  isLive(): boolean {
    return this.caughtUp;
  }

  noteHandled(offset: string): void {
    if (!this.caughtUp && this.liveEdge !== null && BigInt(offset) >= this.liveEdge) this.caughtUp = true;
  }

  /** True while re-reading records whose alerts were already decided. */
  isReplay(offset: string): boolean {
    return this.liveEdge !== null && BigInt(offset) <= this.liveEdge;
  }

  /** The commit after a batch ending at `lastOffset`, given the first offset the state still needs. */
  commitAfter(lastOffset: string, neededFrom: bigint | null): CommitPoint {
    const last = BigInt(lastOffset);
    this.noteHandled(lastOffset);
    if (this.liveEdge === null || last > this.liveEdge) this.liveEdge = last;
    const next = last + 1n;
    const offset = neededFrom !== null && neededFrom < next ? neededFrom : next;
    return { offset: offset.toString(), metadata: JSON.stringify({ liveEdge: this.liveEdge.toString() }) };
  }
}

function parseLiveEdge(metadata: string | null | undefined): bigint | null {
  if (!metadata) return null;
  try {
    const parsed = JSON.parse(metadata) as { liveEdge?: unknown };
    return typeof parsed.liveEdge === 'string' && /^\d+$/.test(parsed.liveEdge)
      ? BigInt(parsed.liveEdge)
      : null;
  } catch {
    return null;
  }
}
