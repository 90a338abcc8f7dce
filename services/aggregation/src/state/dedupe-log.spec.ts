import fc from 'fast-check';
import { DedupeLog } from './dedupe-log';

const MINUTE = 60_000;

/** Records an occurrence the way PartitionAggregator does: check, then add. */
function seen(log: DedupeLog, id: string, arrival: number, offset = 0): boolean {
  const duplicate = log.isDuplicate(id, arrival);
  log.add(id, arrival, offset, arrival);
  return duplicate;
}

describe('DedupeLog', () => {
  it('catches a duplicate in the same bucket and across buckets within the horizon', () => {
    const log = new DedupeLog(MINUTE, 5 * MINUTE);
    expect(seen(log, 'a', 10_000)).toBe(false);
    expect(seen(log, 'a', 20_000)).toBe(true);
    expect(seen(log, 'b', 3 * MINUTE)).toBe(false);
    expect(seen(log, 'a', 5 * MINUTE)).toBe(true);
  });

  it('forgets an id once its newest bucket left the horizon, not before', () => {
    const log = new DedupeLog(MINUTE, 5 * MINUTE);
    seen(log, 'a', 10_000); // bucket 0: out of the horizon from arrival 6m on
    expect(log.isDuplicate('a', 6 * MINUTE - 1)).toBe(true);
    expect(log.isDuplicate('a', 6 * MINUTE)).toBe(false);
    expect(log.size).toBe(0);
  });

  it('keeps an id seen again in a newer bucket when the older bucket expires', () => {
    const log = new DedupeLog(MINUTE, 5 * MINUTE);
    seen(log, 'a', 10_000); // bucket 0
    seen(log, 'a', 2 * MINUTE + 5_000); // bucket 2: remembered until 8m
    expect(log.isDuplicate('a', 7 * MINUTE)).toBe(true);
    expect(log.isDuplicate('a', 8 * MINUTE)).toBe(false);
  });

  it('catches a duplicate an hour of partition progress later with 61 one-minute buckets', () => {
    const log = new DedupeLog(MINUTE, 60 * MINUTE + 30_000);
    expect(seen(log, 'early', 0)).toBe(false);
    for (let minute = 1; minute <= 60; minute += 1) seen(log, `id-${minute}`, minute * MINUTE, minute);
    expect(seen(log, 'early', 60 * MINUTE + 29_000)).toBe(true);
    expect(seen(log, 'id-1', 61 * MINUTE)).toBe(true);
    // Seen again in bucket 60: remembered until (60 + 1) minutes + the horizon.
    expect(log.isDuplicate('early', 121 * MINUTE + 30_000 - 1)).toBe(true);
    expect(log.isDuplicate('early', 121 * MINUTE + 30_000)).toBe(false);
  });

  it('counts distinct remembered ids', () => {
    const log = new DedupeLog(MINUTE, 5 * MINUTE);
    seen(log, 'a', 0);
    seen(log, 'a', 1_000);
    seen(log, 'b', 2 * MINUTE);
    seen(log, 'a', 3 * MINUTE);
    expect(log.size).toBe(2);
  });

  it('forgets the ids of buckets a release drops, and keeps the oldest bucket as the replay origin', () => {
    const log = new DedupeLog(MINUTE, 5 * MINUTE);
    log.add('a', 10_000, 7, 9_000);
    log.add('b', 2 * MINUTE, 8, 10_000);
    expect(log.oldest()).toEqual(
      expect.objectContaining({ firstOffset: 7, maxBefore: 9_000, firstArrival: 10_000 }),
    );
    log.release(6 * MINUTE); // bucket 0 can no longer be needed; bucket 2 still can
    expect(log.oldest()).toEqual(expect.objectContaining({ firstOffset: 8 }));
    expect(log.isDuplicate('a', 2 * MINUTE)).toBe(false);
    expect(log.isDuplicate('b', 2 * MINUTE)).toBe(true);
  });
});

describe('DedupeLog against a model that remembers every id string', () => {
  /** The horizon rule, stated once: an id is a duplicate while its newest bucket is within the horizon. */
  class Model {
    private readonly newest = new Map<string, number>();
    constructor(
      private readonly bucketMs: number,
      private readonly horizonMs: number,
    ) {}
    seen(id: string, arrival: number): boolean {
      const bucket = this.newest.get(id);
      const duplicate = bucket !== undefined && (bucket + 1) * this.bucketMs + this.horizonMs > arrival;
      this.newest.set(id, Math.floor(arrival / this.bucketMs));
      return duplicate;
    }
  }

  it('answers as the model for any stream of ids at rising arrival times', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.nat(300), step: fc.nat(8).map((halfSeconds) => halfSeconds * 500) }), {
          minLength: 300,
          maxLength: 2_000,
        }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (stream, seed) => {
          const log = new DedupeLog(10_000, 30_000, seed);
          const model = new Model(10_000, 30_000);
          let arrival = 0;
          for (const { id, step } of stream) {
            arrival += step;
            expect(seen(log, `evt-${id}`, arrival)).toBe(model.seen(`evt-${id}`, arrival));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('holds 300,000 ids in at most 32 bytes each', () => {
    const log = new DedupeLog(MINUTE, 5 * MINUTE, 1);
    for (let i = 0; i < 300_000; i += 1) log.add(`evt-${i}`, Math.floor(i / 10), i, 0);
    expect(log.size).toBe(300_000);
    expect(log.byteLength / log.size).toBeLessThanOrEqual(32);
  });
});
