import { EventType, type PulseEvent } from '@pulse/contracts';
import { addEvent, countedEvents, emptyTotals, sumTotals } from './event-totals';

const envelope = {
  specversion: '1.0',
  id: 'e',
  source: 's',
  time: '2026-01-01T00:00:00Z',
  datacontenttype: 'application/json',
} as const;

describe('activity totals', () => {
  it('counts orders with their units, views and cart adds, and nothing for stock changes', () => {
    const totals = emptyTotals();
    const events: PulseEvent[] = [
      {
        ...envelope,
        type: EventType.OrderPlaced,
        customerid: 'c-1',
        data: {
          orderId: 'o',
          currency: 'USD',
          lines: [
            { productId: 'p-1', quantity: 2, unitPrice: 1 },
            { productId: 'p-2', quantity: 3, unitPrice: 1 },
          ],
        },
      },
      { ...envelope, type: EventType.ProductViewed, data: { productId: 'p-1' } },
      { ...envelope, type: EventType.CartItemAdded, data: { productId: 'p-1', quantity: 4 } },
      { ...envelope, type: EventType.InventoryLevelChanged, data: { productId: 'p-1', stock: 3 } },
    ];
    for (const event of events) addEvent(totals, event);
    expect(totals).toEqual({ orders: 1, units: 5, views: 1, cartAdds: 1 });
    expect(countedEvents(totals)).toBe(3);
  });

  it('sums parts field by field', () => {
    expect(
      sumTotals([
        { orders: 1, units: 2, views: 3, cartAdds: 4 },
        { orders: 10, units: 20, views: 30, cartAdds: 40 },
      ]),
    ).toEqual({ orders: 11, units: 22, views: 33, cartAdds: 44 });
  });
});
