import {
  enrichedEventSchema,
  EventType,
  type Customer,
  type Product,
  type PulseEvent,
} from '@pulse/contracts';
import { enrichEvent, type ReferenceLookup } from './enrich-event';

const products = new Map<string, Product>([
  [
    'p-1',
    {
      id: 'p-1',
      name: 'Mug',
      category: 'kitchen',
      price: 9.99,
      currency: 'USD',
      tags: ['ceramic'],
      stock: 3,
    },
  ],
]);
const customers = new Map<string, Customer>([
  ['c-1', { id: 'c-1', segment: 'vip', signupTime: '2026-01-01T00:00:00Z', country: 'JP' }],
]);
const lookup: ReferenceLookup = { product: (id) => products.get(id), customer: (id) => customers.get(id) };
const NOW = Date.parse('2026-11-24T12:00:05Z');
const envelope = {
  specversion: '1.0',
  source: 's',
  time: '2026-11-24T12:00:00Z',
  datacontenttype: 'application/json',
} as const;

describe('baseline enrichEvent', () => {
  it('joins products per line, the customer with account age, and the customer region', () => {
    const order: PulseEvent = {
      ...envelope,
      id: 'o',
      type: EventType.OrderPlaced,
      customerid: 'c-1',
      data: { orderId: 'o-1', currency: 'USD', lines: [{ productId: 'p-1', quantity: 1, unitPrice: 9.99 }] },
    };
    const enriched = enrichEvent(order, lookup, NOW);
    expect(enrichedEventSchema.safeParse(enriched).success).toBe(true);
    expect(enriched.enrichment).toEqual({
      status: 'complete',
      missing: [],
      products: [{ name: 'Mug', category: 'kitchen', tags: ['ceramic'] }],
      customer: { segment: 'vip', signupTime: '2026-01-01T00:00:00Z', accountAgeDays: 327 },
      geo: { country: 'JP', region: 'asia', source: 'customer' },
      enrichedAt: '2026-11-24T12:00:05.000Z',
    });
  });

  it('prefers the event country and marks unknown products, customers and geo as partial', () => {
    const viewed: PulseEvent = {
      ...envelope,
      id: 'v',
      type: EventType.ProductViewed,
      country: 'DE',
      data: { productId: 'p-1' },
    };
    expect(enrichEvent(viewed, lookup, NOW).enrichment.geo).toEqual({
      country: 'DE',
      region: 'europe',
      source: 'event',
    });
    const unknown: PulseEvent = {
      ...envelope,
      id: 'c',
      type: EventType.CartItemAdded,
      customerid: 'c-9',
      data: { productId: 'p-9', quantity: 1 },
    };
    const enriched = enrichEvent(unknown, lookup, NOW);
    expect(enriched.enrichmentstatus).toBe('partial');
    expect(enriched.enrichment.missing).toEqual(['product', 'customer', 'geo']);
    expect(enriched.enrichment.products).toEqual([null]);
  });
});
