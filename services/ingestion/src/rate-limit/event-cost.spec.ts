import { EventType } from '@pulse/contracts';
import { eventCost, totalCost } from './event-cost';

const order = (lines: number): Record<string, unknown> => ({
  type: EventType.OrderPlaced,
  data: { orderId: 'o-1', currency: 'USD', lines: Array.from({ length: lines }, () => ({})) },
});

describe('eventCost', () => {
  it('charges 1 per event and an order 1 per line', () => {
    expect(eventCost({ type: EventType.ProductViewed, data: { productId: 'p-1' } })).toBe(1);
    expect(eventCost({ type: EventType.CartItemAdded, data: { productId: 'p-1', lines: [1, 2, 3] } })).toBe(
      1,
    );
    expect(eventCost(order(1))).toBe(1);
    expect(eventCost(order(500))).toBe(500);
  });

  it('charges what was sent, even when it will not validate', () => {
    expect(eventCost(order(0))).toBe(1);
    expect(eventCost(order(2000))).toBe(2000);
    expect(eventCost({ type: EventType.OrderPlaced, data: { lines: 'many' } })).toBe(1);
    expect(eventCost(null)).toBe(1);
    expect(eventCost('garbage')).toBe(1);
    expect(totalCost([order(3), undefined, { type: EventType.ProductViewed }])).toBe(5);
  });
});
