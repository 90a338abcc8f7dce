import { EventType, type PulseEvent } from '@pulse/contracts';
import { groundTruthSchema, type GroundTruth, type GroundTruthCell } from '@pulse/fleet';
import type { GeneratedItem, ItemKind, ItemTag } from '../scenarios/generated-item';
import { TrafficGenerator } from '../scenarios/traffic-generator';
import { referenceFixture } from '../testing/reference-fixture';
import { GroundTruthBuilder, type Outcome } from './ground-truth-builder';

const RUN: GroundTruth['run'] = {
  scenarios: ['steady'],
  seed: 1,
  startTime: '2026-03-01T12:00:00.000Z',
  durationMs: 60_000,
  rate: 10,
  target: 'http://127.0.0.1:0',
  startedAt: '2026-03-01T12:00:00.000Z',
  finishedAt: '2026-03-01T12:01:00.000Z',
};
const REQUESTS = { sent: 1, failed: 0, retried: 0 };

let seq = 0;
function item(event: PulseEvent, kind: ItemKind = 'event', tags: ItemTag[] = []): GeneratedItem {
  return {
    seq: seq++,
    sendAtMs: 0,
    kind,
    eventId: event.id,
    line: JSON.stringify(event),
    event,
    malformedKind: undefined,
    route: 'api',
    tags,
  };
}

const envelope = (id: string, time: string, extra: Record<string, string> = {}) => ({
  specversion: '1.0' as const,
  id,
  source: 'test',
  time,
  datacontenttype: 'application/json' as const,
  ...extra,
});

function order(
  id: string,
  time: string,
  customerid: string,
  currency: string,
  lines: [string, number, number][],
  extra: Record<string, string> = {},
): PulseEvent {
  return {
    ...envelope(id, time, extra),
    customerid,
    type: EventType.OrderPlaced,
    data: {
      orderId: `o-${id}`,
      currency,
      lines: lines.map(([productId, quantity, unitPrice]) => ({ productId, quantity, unitPrice })),
    },
  };
}

function view(id: string, time: string, productId: string, extra: Record<string, string> = {}): PulseEvent {
  return { ...envelope(id, time, extra), type: EventType.ProductViewed, data: { productId } };
}

function build(records: [GeneratedItem, Outcome][]): GroundTruth {
  const builder = new GroundTruthBuilder(referenceFixture);
  for (const [generated, outcome] of records) builder.record(generated, outcome);
  return builder.build(RUN, REQUESTS);
}

const find = (
  cells: GroundTruthCell[],
  windowStart: string,
  category: string | null,
  region: string | null,
) =>
  cells.find(
    (cell) => cell.windowStart === windowStart && cell.category === category && cell.region === region,
  );

describe('GroundTruthBuilder', () => {
  const W0 = '2026-03-01T12:00:00.000Z';
  const W1 = '2026-03-01T12:01:00.000Z';

  it('counts an order once per group it has lines in, with units and exact minor-unit revenue per line', () => {
    // cust-0 lives in DE (europe); sku-tv is electronics, sku-lamp home, both USD.
    const truth = build([
      [
        item(
          order('a', '2026-03-01T12:00:10Z', 'cust-0', 'USD', [
            ['sku-tv', 2, 499.99],
            ['sku-lamp', 3, 35.25],
          ]),
        ),
        'accepted',
      ],
    ]);
    expect(find(truth.groupings.total, W0, null, null)).toMatchObject({
      orders: 1,
      units: 5,
      revenueMinor: { USD: 2 * 49_999 + 3 * 3_525 },
      uniqueCustomers: 1,
    });
    expect(find(truth.groupings.category, W0, 'electronics', null)).toMatchObject({
      orders: 1,
      units: 2,
      revenueMinor: { USD: 99_998 },
    });
    expect(find(truth.groupings.category_region, W0, 'home', 'europe')).toMatchObject({
      orders: 1,
      units: 3,
      revenueMinor: { USD: 10_575 },
    });
    expect(find(truth.groupings.region, W0, null, 'europe')).toMatchObject({ orders: 1, units: 5 });
    expect(truth.totals).toEqual({
      orders: 1,
      units: 5,
      revenueMinor: { USD: 110_573 },
      views: 0,
      cartAdds: 0,
    });
  });

  it('keeps currencies apart and respects their minor units (JPY has none)', () => {
    const truth = build([
      [item(order('a', '2026-03-01T12:00:10Z', 'cust-1', 'JPY', [['sku-mug', 2, 1200]])), 'accepted'],
      [item(order('b', '2026-03-01T12:00:20Z', 'cust-1', 'EUR', [['sku-shirt', 3, 19.9]])), 'accepted'],
    ]);
    expect(truth.totals.revenueMinor).toEqual({ EUR: 5_970, JPY: 2_400 });
    expect(find(truth.groupings.total, W0, null, null)?.uniqueCustomers).toBe(1);
  });

  it('puts events in epoch-aligned tumbling windows by event time', () => {
    const truth = build([
      [item(view('a', '2026-03-01T12:00:59.999Z', 'sku-tv')), 'accepted'],
      [item(view('b', '2026-03-01T12:01:00.000Z', 'sku-tv')), 'accepted'],
    ]);
    expect(truth.groupings.total.map((cell) => [cell.windowStart, cell.views])).toEqual([
      [W0, 1],
      [W1, 1],
    ]);
    expect(truth.range).toEqual({ from: W0, to: '2026-03-01T12:02:00.000Z' });
  });

  it("resolves region from the event's country first, then the customer's, else unknown", () => {
    const truth = build([
      // cust-1 lives in the US, but the event says Japan.
      [
        item(view('a', '2026-03-01T12:00:01Z', 'sku-tv', { customerid: 'cust-1', country: 'JP' })),
        'accepted',
      ],
      [item(view('b', '2026-03-01T12:00:02Z', 'sku-tv', { customerid: 'cust-1' })), 'accepted'],
      [item(view('c', '2026-03-01T12:00:03Z', 'sku-tv', { customerid: 'stranger' })), 'accepted'],
      [item(view('d', '2026-03-01T12:00:04Z', 'sku-tv', { sessionid: 's1', country: 'BR' })), 'accepted'],
    ]);
    const regions = Object.fromEntries(truth.groupings.region.map((cell) => [cell.region, cell.views]));
    expect(regions).toEqual({ asia: 1, 'north-america': 1, unknown: 1, 'south-america': 1 });
  });

  it('files products missing from the catalogue under the unknown category', () => {
    const truth = build([[item(view('a', '2026-03-01T12:00:01Z', 'sku-nowhere')), 'accepted']]);
    expect(truth.groupings.category.map((cell) => cell.category)).toEqual(['unknown']);
  });

  it('counts an event id once however often it was accepted, and nothing that was refused or late', () => {
    const original = item(order('a', '2026-03-01T12:00:10Z', 'cust-0', 'USD', [['sku-cable', 1, 9.99]]));
    const truth = build([
      [original, 'accepted'],
      [{ ...original, seq: 99, kind: 'duplicate' }, 'accepted'],
      [item(order('b', '2026-03-01T12:00:11Z', 'cust-0', 'USD', [['sku-cable', 1, 9.99]])), 'rejected'],
      [
        item(order('c', '2026-03-01T11:49:00Z', 'cust-0', 'USD', [['sku-cable', 1, 9.99]]), 'late'),
        'accepted',
      ],
    ]);
    expect(truth.totals.orders).toBe(1);
    expect(truth.groupings.total).toHaveLength(1);
    expect(truth.duplicates).toEqual({ sent: 1, accepted: 1, rejected: 0 });
    expect(truth.late).toEqual({ sent: 1, accepted: 1, rejected: 0 });
    expect(truth.events).toEqual({ sent: 4, accepted: 3, rejected: 1, failed: 0 });
    expect(truth.exact).toBe(true);
  });

  it('counts a duplicate whose original never got through', () => {
    const original = item(view('a', '2026-03-01T12:00:10Z', 'sku-tv'));
    const truth = build([
      [original, 'failed'],
      [{ ...original, seq: 99, kind: 'duplicate' }, 'accepted'],
    ]);
    expect(truth.totals.views).toBe(1);
    expect(truth.exact).toBe(false);
    expect(truth.inexactReasons).toEqual(["1 events' outcome unknown (requests failed)"]);
  });

  it('records stock-outs and fraud bursts as expectations', () => {
    const stockOut: PulseEvent = {
      ...envelope('s', '2026-03-01T12:00:30Z'),
      type: EventType.InventoryLevelChanged,
      data: { productId: 'sku-tv', stock: 0 },
    };
    const truth = build([
      [item(stockOut), 'accepted'],
      [
        item(order('f1', '2026-03-01T12:00:31Z', 'cust-3', 'USD', [['sku-cable', 1, 9.99]]), 'event', [
          'fraud-burst',
        ]),
        'accepted',
      ],
      [
        item(order('f2', '2026-03-01T12:00:35Z', 'cust-3', 'USD', [['sku-cable', 1, 9.99]]), 'event', [
          'fraud-burst',
        ]),
        'accepted',
      ],
    ]);
    expect(truth.expectations).toEqual({
      stockOuts: [{ productId: 'sku-tv', eventTime: '2026-03-01T12:00:30Z' }],
      orderBursts: [
        {
          customerId: 'cust-3',
          orders: 2,
          firstEventTime: '2026-03-01T12:00:31.000Z',
          lastEventTime: '2026-03-01T12:00:35.000Z',
        },
      ],
    });
  });

  it('gives the same ground truth for the same generated run, in the shape the fleet reads', () => {
    const truthOf = () => {
      const generator = new TrafficGenerator(
        {
          scenarios: ['flash-sale', 'fraud-burst', 'malformed-mix', 'late-duplicates'],
          seed: 7,
          startTimeMs: Date.parse(RUN.startTime),
          durationMs: 60_000,
          rate: 30,
        },
        referenceFixture,
      );
      const builder = new GroundTruthBuilder(referenceFixture);
      for (const generated of generator.items()) {
        builder.record(generated, generated.kind === 'malformed' ? 'rejected' : 'accepted');
      }
      return builder.build(RUN, REQUESTS);
    };
    const first = truthOf();
    expect(truthOf()).toEqual(first);
    expect(groundTruthSchema.parse(JSON.parse(JSON.stringify(first)))).toEqual(first);
    expect(first.malformed.sent).toBe(first.malformed.rejected);
    expect(first.totals.orders).toBe(first.groupings.total.reduce((sum, cell) => sum + cell.orders, 0));
    // Every counted order is in exactly one region, so regions add up to the total.
    const byRegion = first.groupings.region.reduce((sum, cell) => sum + cell.orders, 0);
    expect(byRegion).toBe(first.totals.orders);
  });
});
