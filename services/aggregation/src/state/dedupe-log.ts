import { randomInt } from 'node:crypto';
import { FingerprintTable, fingerprintOf } from './id-fingerprints';
import type { StateOrigin } from './window-state';

interface Bucket extends StateOrigin {
  readonly index: number;
  /** This log's count of buckets before this one, plus 1: the tag of its ids in the table. */
  readonly tag: number;
  /** Set once it left the dedupe horizon and its ids were dropped: kept only as a replay origin (see below). */
  forgotten: boolean;
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
 *
 * Ids are remembered as 64-bit fingerprints in one table, tagged with their newest bucket (16–32
 * bytes each, against about 100 for the id strings in a `Map`, more for long ids); a bucket that
 * leaves the horizon drops its ids in one pass over the table. Two distinct ids share a
 * fingerprint with probability 2^-64: with a million ids in the horizon, a distinct event is taken
 * for a duplicate about once in 10^13 events. The seed is random per process, so which ids collide
 * cannot be known outside it.
 */
export class DedupeLog {
  private readonly buckets: Bucket[] = [];
  private bucketsCreated = 0;
  private lastId: string | undefined;
  private lastFingerprint: [number, number] = [0, 0];
  /**
   * Every remembered id → the tag of the newest bucket it occurred in. One lookup per message,
   * however many buckets the horizon spans (61 with 1m buckets and a 1h window): buckets leave
   * the horizon oldest first, so an id is remembered exactly while its newest bucket is.
   */
  private readonly newestBucketOf = new FingerprintTable();

  constructor(
    private readonly bucketMs: number,
    private readonly horizonMs: number,
    private readonly seed: number = randomInt(0x7fffffff),
  ) {}

  /** True if `id` was seen within the horizon of `arrivalNow`. Expires ids that left it. */
  isDuplicate(id: string, arrivalNow: number): boolean {
    this.expire(arrivalNow);
    const [hi, lo] = this.fingerprint(id);
    return this.newestBucketOf.get(hi, lo) !== 0;
  }

  add(id: string, arrival: number, offset: number, maxBefore: number): void {
    const index = Math.floor(arrival / this.bucketMs);
    let bucket = this.buckets.at(-1);
    if (bucket === undefined || bucket.index !== index) {
      this.bucketsCreated += 1;
      bucket = {
        index,
        tag: this.bucketsCreated,
        forgotten: false,
        firstOffset: offset,
        maxBefore,
        firstArrival: arrival,
      };
      this.buckets.push(bucket);
    }
    const [hi, lo] = this.fingerprint(id);
    this.newestBucketOf.set(hi, lo, bucket.tag);
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

  /** Bytes held for the remembered ids. */
  get byteLength(): number {
    return this.newestBucketOf.byteLength;
  }

  /** The check and the add of one message hash its id once. */
  private fingerprint(id: string): [number, number] {
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastFingerprint = fingerprintOf(id, this.seed);
    }
    return this.lastFingerprint;
  }

  private expire(arrivalNow: number): void {
    for (const bucket of this.buckets) {
      if (bucket.forgotten) continue;
      if (!this.outOfHorizon(bucket, arrivalNow)) return;
      this.forget(bucket);
    }
  }

  /**
   * Drops a bucket's ids, except those seen again in a newer bucket (their tag is newer). Buckets
   * are forgotten oldest first, so no older tag is left in the table.
   */
  private forget(bucket: Bucket): void {
    if (bucket.forgotten) return;
    this.newestBucketOf.deleteTaggedAtMost(bucket.tag);
    bucket.forgotten = true;
  }

  private outOfHorizon(bucket: Bucket, arrival: number): boolean {
    return (bucket.index + 1) * this.bucketMs + this.horizonMs <= arrival;
  }
}
