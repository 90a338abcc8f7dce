import type { StateOrigin } from './window-state';

interface Bucket extends StateOrigin {
  readonly index: number;
  /** Null once the bucket left the dedupe horizon: kept only as a replay origin (see below). */
  ids: Set<string> | null;
}

/**
 * The event ids seen on one partition within the dedupe horizon, in buckets of the partition's
 * arrival clock (its max event time when the id was seen), so an id is remembered for at least
 * `horizonMs` (at most `horizonMs + bucketMs`) of partition progress after its latest
 * occurrence — whatever its own event time, so duplicates of late events are caught too.
 *
 * Every occurrence is recorded, duplicates included: what a bucket holds then depends only on
 * the messages that arrived in it, never on a decision about them.
 *
 * Replay exactness: a message's duplicate check looks back `horizonMs` of arrival clock. After a
 * restart the ids a replayed message may be checked against must be replayed too, so a bucket
 * that left the horizon stays as an origin (ids dropped) while any state still open could hold a
 * message whose look-back reaches it; see `release`.
 */
export class DedupeLog {
  private readonly buckets: Bucket[] = [];

  constructor(
    private readonly bucketMs: number,
    private readonly horizonMs: number,
  ) {}

  /** True if `id` was seen within the horizon of `arrivalNow`. Expires ids that left it. */
  isDuplicate(id: string, arrivalNow: number): boolean {
    this.expire(arrivalNow);
    for (let i = this.buckets.length - 1; i >= 0; i -= 1) {
      const ids = (this.buckets[i] as Bucket).ids;
      if (ids === null) break;
      if (ids.has(id)) return true;
    }
    return false;
  }

  add(id: string, arrival: number, offset: number, maxBefore: number): void {
    const index = Math.floor(arrival / this.bucketMs);
    let bucket = this.buckets.at(-1);
    if (bucket === undefined || bucket.index !== index) {
      bucket = { index, ids: new Set(), firstOffset: offset, maxBefore, firstArrival: arrival };
      this.buckets.push(bucket);
    }
    (bucket.ids ?? (bucket.ids = new Set())).add(id);
  }

  /**
   * Forgets buckets no replay can need any more: those whose ids a message arriving at or after
   * `lowestLiveArrival` (the earliest arrival feeding any state still held) could not be checked
   * against.
   */
  release(lowestLiveArrival: number): void {
    let drop = 0;
    while (drop < this.buckets.length) {
      const bucket = this.buckets[drop] as Bucket;
      if (!this.outOfHorizon(bucket, lowestLiveArrival)) break;
      drop += 1;
    }
    if (drop > 0) this.buckets.splice(0, drop);
  }

  /** The oldest bucket still held: it bounds where a replay must start. */
  oldest(): StateOrigin | undefined {
    return this.buckets[0];
  }

  get size(): number {
    let ids = 0;
    for (const bucket of this.buckets) ids += bucket.ids?.size ?? 0;
    return ids;
  }

  private expire(arrivalNow: number): void {
    for (const bucket of this.buckets) {
      if (bucket.ids === null) continue;
      if (!this.outOfHorizon(bucket, arrivalNow)) return;
      bucket.ids = null;
    }
  }

  private outOfHorizon(bucket: Bucket, arrival: number): boolean {
    return (bucket.index + 1) * this.bucketMs + this.horizonMs <= arrival;
  }
}
