import { orderEvent } from '../testing/test-events';
import { tagSafe, toEventFacts } from './event-facts';

describe('event facts', () => {
  it('attributes each order line to its product category, once per distinct category and product', () => {
    const facts = toEventFacts(
      orderEvent('e1', Date.parse('2026-01-01T00:00:00Z'), {
        customer: 'c1',
        currency: 'EUR',
        lines: [
          { productId: 'p1', category: 'books', quantity: 2, unitPrice: 9.99 },
          { productId: 'p2', category: null, quantity: 1, unitPrice: 5 },
          { productId: 'p1', category: 'books', quantity: 1, unitPrice: 9.99 },
        ],
      }),
    );
    expect(facts.kind).toBe('order');
    if (facts.kind !== 'order') return;
    expect(facts.order).toMatchObject({ currency: 'EUR', customerId: 'c1', units: 4, revenueMinor: 3497 });
    expect(
      facts.order.categories.map(({ category, units, revenueMinor }) => [category, units, revenueMinor]),
    ).toEqual([
      ['books', 3, 2997],
      ['unknown', 1, 500],
    ]);
    expect(
      facts.order.products.map(({ productId, category, units }) => [productId, category, units]),
    ).toEqual([
      ['p1', 'books', 3],
      ['unknown', 'unknown', 1],
    ]);
  });

  it('counts every product the catalogue does not know as the one product `unknown`', () => {
    // A client inventing product ids must not mint one series (and one group per window) each.
    const lines = Array.from({ length: 500 }, (_, i) => ({
      productId: `made-up-${i}-${'x'.repeat(100)}`,
      category: null,
      quantity: 1,
      unitPrice: 1,
    }));
    const facts = toEventFacts(orderEvent('flood', Date.parse('2026-01-01T00:00:00Z'), { lines }));
    if (facts.kind !== 'order') throw new Error('expected an order');
    expect(facts.order.products).toEqual([
      expect.objectContaining({
        productId: 'unknown',
        category: 'unknown',
        units: 500,
        revenueMinor: 50_000,
      }),
    ]);
  });

  it('makes dimension values safe as InfluxDB tags', () => {
    expect(tagSafe('  toys ')).toBe('toys');
    expect(tagSafe('')).toBe('unknown');
    expect(tagSafe('back\\slash\\\\')).toBe('back\\slash');
  });
});
