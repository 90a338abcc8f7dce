import { EventType, incomingEventSchema } from '@pulse/contracts';
import { ShopEventSource, expectedTotals, orderOf, stockLevelOf, type ShopEvent } from './shop-events';

const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);

describe('ShopEventSource', () => {
  it('makes valid events with unique ids and the time they were made', () => {
    const source = new ShopEventSource('run');
    const events = Array.from({ length: 50 }, (_, i) => source.next(at('2026-11-24T12:00:00Z') + i));
    for (const event of events) expect(incomingEventSchema.safeParse(event).success).toBe(true);
    expect(new Set(events.map((event) => event.id)).size).toBe(50);
    expect(events[3]!.time).toBe('2026-11-24T12:00:00.003Z');
  });

  it('also makes valid single orders and stock levels', () => {
    const order = orderOf('o', 'c-00002', { productId: 'p-0005', quantity: 1, unitPrice: 80 });
    expect(incomingEventSchema.safeParse(order).success).toBe(true);
    expect(incomingEventSchema.safeParse(stockLevelOf('s', 'p-0001', 0)).success).toBe(true);
  });
});

describe('expectedTotals', () => {
  it('counts per event-time window, each id once, revenue in minor units per currency', () => {
    const order = (
      id: string,
      time: string,
      customer: string,
      currency: string,
      lines: [number, number][],
    ): ShopEvent => ({
      id,
      source: '/test',
      time: new Date(at(time)).toISOString(),
      type: EventType.OrderPlaced,
      customerid: customer,
      data: {
        orderId: `${id}-o`,
        currency,
        lines: lines.map(([quantity, unitPrice]) => ({ productId: 'p-0001', quantity, unitPrice })),
      },
    });
    // The first event of a source is a view.
    const view = new ShopEventSource('x').next(at('2026-11-24T12:00:10Z'));
    const events = [
      order('a', '2026-11-24T12:00:01Z', 'c-1', 'USD', [
        [2, 19.99],
        [1, 0.1],
      ]),
      order('a', '2026-11-24T12:00:01Z', 'c-1', 'USD', [
        [2, 19.99],
        [1, 0.1],
      ]),
      order('b', '2026-11-24T12:00:59.999Z', 'c-1', 'EUR', [[3, 5.05]]),
      order('c', '2026-11-24T12:01:00Z', 'c-2', 'USD', [[1, 43.99]]),
      view,
      stockLevelOf('s', 'p-0001', 0, at('2026-11-24T12:00:30Z')),
    ];
    expect(expectedTotals(events, MINUTE)).toEqual([
      {
        windowStart: '2026-11-24T12:00:00.000Z',
        category: null,
        region: null,
        orders: 2,
        units: 6,
        revenueMinor: { USD: 3_998 + 10, EUR: 1_515 },
        uniqueCustomers: 1,
        views: 1,
        cartAdds: 0,
      },
      {
        windowStart: '2026-11-24T12:01:00.000Z',
        category: null,
        region: null,
        orders: 1,
        units: 1,
        revenueMinor: { USD: 4_399 },
        uniqueCustomers: 1,
        views: 0,
        cartAdds: 0,
      },
    ]);
  });
});
