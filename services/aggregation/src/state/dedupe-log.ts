import type { StateOrigin } from './window-state';

interface Bucket extends StateOrigin {
  readonly index: number;
  /** Ids seen in this bucket. Null once it left the dedupe horizon: kept only as a replay origin (see below). */
  ids: string[] | null;
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
  /**
   * Every remembered id → the newest bucket it occurred in. One lookup per message, however
   * many buckets the horizon spans (61 with 1m buckets and a 1h window): buckets leave the
   * horizon oldest first, so an id is remembered exactly while its newest bucket is.
   */
  private readonly newestBucketOf = new Map<string, number>();

  constructor(
    private readonly bucketMs: number,
    private readonly horizonMs: number,
  ) {}

  /** True if `id` was seen within the horizon of `arrivalNow`. Expires ids that left it. */
  isDuplicate(id: string, arrivalNow: number): boolean {
    this.expire(arrivalNow);
    return this.newestBucketOf.has(id);
  }

  add(id: string, arrival: number, offset: number, maxBefore: number): void {
    const index = Math.floor(arrival / this.bucketMs);
    let bucket = this.buckets.at(-1);
    if (bucket === undefined || bucket.index !== index) {
      bucket = { index, ids: [], firstOffset: offset, maxBefore, firstArrival: arrival };
      this.buckets.push(bucket);
    }
    (bucket.ids ??= []).push(id);
    this.newestBucketOf.set(id, index);
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
      this.forget(bucket);
      drop += 1;
    }
    if (drop > 0) this.buckets.splice(0, drop);
  }

  /** The oldest bucket still held: it bounds where a replay must start. */
  oldest(): StateOrigin | undefined {
    return this.buckets[0];
  }

  /** Distinct ids remembered. */
  get size(): number {
    return this.newestBucketOf.size;
  }

  private expire(arrivalNow: number): void {
    for (const bucket of this.buckets) {
      if (bucket.ids === null) continue;
      if (!this.outOfHorizon(bucket, arrivalNow)) return;
      this.forget(bucket);
    }
  }

  /** Drops a bucket's ids, except those seen again in a newer bucket. */
  private forget(bucket: Bucket): void {
    if (bucket.ids === null) return;
    for (const id of bucket.ids) {
      if (this.newestBucketOf.get(id) === bucket.index) this.newestBucketOf.delete(id);
    }
    bucket.ids = null;
  }

  private outOfHorizon(bucket: Bucket, arrival: number): boolean {
    return (bucket.index + 1) * this.bucketMs + this.horizonMs <= arrival;
  }
}
