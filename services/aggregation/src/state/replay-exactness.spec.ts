import fc from 'fast-check';
import { decodeCommitMetadata, type EnrichedEvent } from '@pulse/contracts';
import { toEventFacts, type EventFacts } from '../facts/event-facts';
import { changeSetLines } from '../output/influx-lines';
import { SeededRandom } from '@pulse/testing';
import { browseEvent, orderEvent, splitLine } from '../testing/test-events';
import { windowSpecs } from '../windows/window-spec';
import { PartitionAggregator, type AggregationSettings, type CommitPoint } from './partition-aggregator';

/**
 * The Kappa scheme end to end on one partition: an owner that crashes (losing everything not
 * committed) and successors that resume from the commit point must leave InfluxDB exactly as
 * one uninterrupted owner does — and never move a written value backwards.
 */
const T0 = Date.parse('2026-01-01T00:00:00Z');
const settings: AggregationSettings = {
  windows: windowSpecs([10_000, 30_000]),
  allowedLatenessMs: 5_000,
  dedupeHorizonMs: 35_000,
};

function stream(seed: number, length: number): EventFacts[] {
  const rng = new SeededRandom(seed);
  const next = (): number => rng.next();
  const pick = <T>(items: readonly T[]): T => rng.pick(items);
  const events: EnrichedEvent[] = [];
  let clock = T0;
  for (let i = 0; i < length; i += 1) {
    clock += Math.floor(next() * 3_000);
    const roll = next();
    if (roll < 0.1 && events.length > 0) {
      // A re-sent event: same id and time as one sent before (recently or long ago).
      events.push(
        events[
          Math.max(0, events.length - 1 - Math.floor(next() * (next() < 0.8 ? 8 : events.length)))
        ] as EnrichedEvent,
      );
      continue;
    }
    const late = roll < 0.18;
    const time = late ? clock - 8_000 - Math.floor(next() * 60_000) : clock - Math.floor(next() * 4_000);
    const region = pick(['europe', 'asia']);
    const kind = pick(['order', 'order', 'view', 'cart'] as const);
    if (kind === 'order') {
      const lines = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
        productId: pick(['p1', 'p2', 'p3', 'p4']),
        category: pick(['books', 'toys', 'games', null]),
        quantity: 1 + Math.floor(next() * 3),
        unitPrice: pick([1.99, 10, 0.5, 250]),
      }));
      events.push(
        orderEvent(`e${i}`, time, {
          customer: pick(['c1', 'c2', 'c3', 'c4']),
          region,
          currency: pick(['USD', 'EUR', 'JPY']),
          lines,
        }),
      );
    } else {
      events.push(browseEvent(kind, `e${i}`, time, { category: pick(['books', 'toys', null]), region }));
    }
  }
  return events.map(toEventFacts);
}

/** InfluxDB as far as upserts go: the last write per point identity, plus every write in order. */
class FakeInflux {
  readonly points = new Map<string, string>();
  readonly history = new Map<string, string[]>();

  write(lines: string[]): void {
    for (const line of lines) {
      const { identity, fields } = splitLine(line);
      this.points.set(identity, fields);
      const seen = this.history.get(identity) ?? [];
      seen.push(fields);
      this.history.set(identity, seen);
    }
  }
}

function flush(aggregator: PartitionAggregator, influx: FakeInflux, fail: boolean): void {
  const changes = aggregator.takeChanges();
  if (fail) {
    aggregator.restore(changes);
    return;
  }
  influx.write(changeSetLines(aggregator.partition, changes));
  aggregator.confirm(changes);
}

function uninterrupted(events: EventFacts[]): FakeInflux {
  const influx = new FakeInflux();
  const aggregator = new PartitionAggregator(0, settings);
  events.forEach((facts, offset) => aggregator.apply(facts, offset));
  flush(aggregator, influx, false);
  return influx;
}

function withCrashes(events: EventFacts[], seed: number): FakeInflux {
  const rng = new SeededRandom(seed ^ 0x5bd1e995);
  const next = (): number => rng.next();
  const influx = new FakeInflux();
  let committed: CommitPoint | undefined;
  let owners = 0;
  let read = 0; // messages any owner has read: the log end a successor sees is at least that
  for (;;) {
    owners += 1;
    const metadata = decodeCommitMetadata(committed?.metadata);
    const from = committed === undefined ? 0 : Number(committed.offset);
    const available = Math.max(read, from + Math.floor(next() * (events.length - from + 1)));
    const aggregator = new PartitionAggregator(0, settings, {
      maxEventTime: metadata?.maxEventTime ?? Number.NEGATIVE_INFINITY,
      frontier: metadata?.frontier ?? Number.NEGATIVE_INFINITY,
      catchUpUntil: available > from ? available : null,
    });
    const crashAt = owners > 4 ? events.length : from + Math.floor(next() * (events.length - from + 1));
    for (let offset = from; offset < crashAt; offset += 1) {
      aggregator.apply(events[offset] as EventFacts, offset);
      read = Math.max(read, offset + 1);
      if (next() < 0.3) flush(aggregator, influx, next() < 0.2);
      if (next() < 0.3) committed = aggregator.commitPoint(offset);
    }
    if (crashAt === events.length) {
      flush(aggregator, influx, false);
      return influx;
    }
  }
}

/**
 * Points by identity. A non-final point keeps the watermark it was last computed at, which
 * depends on when flushes happened; its values and final points (watermark = the one that
 * closed the window) must match exactly.
 */
function comparable(influx: FakeInflux): Record<string, string> {
  const points = [...influx.points].map(([identity, fields]): [string, string] => [
    identity,
    fields.includes('final=F') ? fields.replace(/watermark=-?\d+i/, 'watermark=*') : fields,
  ]);
  return Object.fromEntries(points.sort(([a], [b]) => a.localeCompare(b)));
}

const INT_FIELD = /(\w+)=(-?\d+)i/g;

function assertNeverBackwards(influx: FakeInflux): void {
  for (const [identity, writes] of influx.history) {
    let previous = new Map<string, number>();
    let finalValue: string | undefined;
    for (const fields of writes) {
      if (finalValue !== undefined && fields !== finalValue) {
        throw new Error(`${identity} changed after it was written final: ${finalValue} → ${fields}`);
      }
      if (fields.includes('final=T')) finalValue = fields;
      const current = new Map(
        [...fields.matchAll(INT_FIELD)].map((match) => [match[1] as string, Number(match[2])]),
      );
      for (const [name, value] of previous) {
        if ((current.get(name) ?? 0) < value)
          throw new Error(`${identity} moved backwards: ${name} ${value} → ${current.get(name)}`);
      }
      previous = current;
    }
  }
}

describe('replay exactness (Kappa commit point)', () => {
  it('leaves InfluxDB exactly as an uninterrupted owner does, never moving a value backwards', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 160 }),
        (seed, length) => {
          const events = stream(seed, length);
          const expected = uninterrupted(events);
          const actual = withCrashes(events, seed);
          expect(comparable(actual)).toEqual(comparable(expected));
          assertNeverBackwards(actual);
        },
      ),
      { numRuns: 100 },
    );
  });
});
