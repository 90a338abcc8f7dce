import { EventType, type Customer, type Product, type PulseEvent } from '@pulse/contracts';
import {
  customerEntry,
  productEntry,
  type CustomerEntry,
  type ProductEntry,
  type ReferenceLookup,
} from '../reference/reference-entries';
import { Enricher } from './enricher';

const PRODUCTS: Product[] = [
  { id: 'p-1', name: 'Mug', category: 'kitchen', price: 9.99, currency: 'USD', tags: ['ceramic'], stock: 10 },
  { id: 'p-2', name: 'Kettle', category: 'kitchen', price: 39.99, currency: 'USD', tags: [], stock: 3 },
];
const CUSTOMERS: Customer[] = [
  { id: 'c-1', segment: 'vip', signupTime: '2026-01-01T00:00:00Z', country: 'JP' },
  { id: 'c-2', segment: 'new', signupTime: '2026-11-24T11:00:00Z', country: 'BR' },
];

class MapLookup implements ReferenceLookup {
  readonly products = new Map<string, ProductEntry>(PRODUCTS.map((p) => [p.id, productEntry(p)]));
  readonly customers = new Map<string, CustomerEntry>(CUSTOMERS.map((c) => [c.id, customerEntry(c)]));
  product(id: string) {
    return this.products.get(id);
  }
  customer(id: string) {
    return this.customers.get(id);
  }
}

const EVENT_TIME = '2026-11-24T12:00:00.000Z';
const NOW = Date.parse('2026-11-24T12:00:05.000Z');
const envelope = {
  specversion: '1.0' as const,
  source: 'test',
  time: EVENT_TIME,
  datacontenttype: 'application/json' as const,
};

function order(lines: string[], extra: Partial<PulseEvent> = {}): PulseEvent {
  return {
    ...envelope,
    id: 'o-evt',
    type: EventType.OrderPlaced,
    customerid: 'c-1',
    data: {
      orderId: 'o-1',
      currency: 'USD',
      lines: lines.map((productId) => ({ productId, quantity: 1, unitPrice: 5 })),
    },
    ...extra,
  } as PulseEvent;
}

function view(extra: Record<string, unknown> = {}): PulseEvent {
  return {
    ...envelope,
    id: 'v-evt',
    type: EventType.ProductViewed,
    data: { productId: 'p-2' },
    ...extra,
  } as PulseEvent;
}

const ipCountries: Record<string, string> = { '8.8.8.8': 'US', '81.2.69.142': 'GB' };
const countryOfIp = (ip: string) => ipCountries[ip] ?? null;

describe('Enricher', () => {
  let lookup: MapLookup;
  let enricher: Enricher;
  const time = Date.parse(EVENT_TIME);

  beforeEach(() => {
    lookup = new MapLookup();
    enricher = new Enricher(lookup, countryOfIp);
  });

  it('joins product info per order line, the customer with account age at event time, and region', () => {
    const enriched = enricher.enrich(order(['p-1', 'p-2']), time, NOW);
    expect(enriched).toMatchObject({ id: 'o-evt', customerid: 'c-1', enrichmentstatus: 'complete' });
    expect(enriched.enrichment).toEqual({
      status: 'complete',
      missing: [],
      products: [
        { name: 'Mug', category: 'kitchen', tags: ['ceramic'] },
        { name: 'Kettle', category: 'kitchen', tags: [] },
      ],
      customer: { segment: 'vip', signupTime: '2026-01-01T00:00:00Z', accountAgeDays: 327 },
      geo: { country: 'JP', region: 'asia', source: 'customer' },
      enrichedAt: '2026-11-24T12:00:05.000Z',
    });
  });

  it('keeps the raw event unchanged beside the enrichment', () => {
    const raw = order(['p-1'], { country: 'DE' } as Partial<PulseEvent>);
    const { enrichment: _enrichment, enrichmentstatus: _status, ...rest } = enricher.enrich(raw, time, NOW);
    expect(rest).toEqual(raw);
  });

  it('prefers the event country, then the IP, then the customer country', () => {
    expect(
      enricher.enrich(
        order(['p-1'], { country: 'FR', clientip: '8.8.8.8' } as Partial<PulseEvent>),
        time,
        NOW,
      ).enrichment.geo,
    ).toEqual({
      country: 'FR',
      region: 'europe',
      source: 'event',
    });
    expect(
      enricher.enrich(order(['p-1'], { clientip: '8.8.8.8' } as Partial<PulseEvent>), time, NOW).enrichment
        .geo,
    ).toEqual({
      country: 'US',
      region: 'north-america',
      source: 'ip',
    });
    expect(
      enricher.enrich(order(['p-1'], { clientip: '10.0.0.1' } as Partial<PulseEvent>), time, NOW).enrichment
        .geo,
    ).toEqual({
      country: 'JP',
      region: 'asia',
      source: 'customer',
    });
    expect(
      enricher.enrich(order(['p-1'], { country: 'XX' } as Partial<PulseEvent>), time, NOW).enrichment.geo
        .source,
    ).toBe('customer');
  });

  it('marks missing products, customer and geo as partial without dropping anything', () => {
    const enriched = enricher.enrich(order(['p-1', 'p-404', 'p-2'], { customerid: 'c-404' }), time, NOW);
    expect(enriched.enrichmentstatus).toBe('partial');
    expect(enriched.enrichment.status).toBe('partial');
    expect(enriched.enrichment.missing).toEqual(['product', 'customer', 'geo']);
    expect(enriched.enrichment.products.map((product) => product?.name ?? null)).toEqual([
      'Mug',
      null,
      'Kettle',
    ]);
    expect(enriched.enrichment.customer).toBeNull();
    expect(enriched.enrichment.geo).toEqual({ country: null, region: 'unknown', source: 'none' });
    expect(enriched.type === EventType.OrderPlaced && enriched.data.lines).toHaveLength(3);
  });

  it('enriches the single product of views, cart adds and inventory changes', () => {
    const viewed = enricher.enrich(view({ sessionid: 's-1', clientip: '81.2.69.142' }), time, NOW);
    expect(viewed.enrichment.products).toEqual([{ name: 'Kettle', category: 'kitchen', tags: [] }]);
    // An anonymous view has no customer to look up: not missing.
    expect(viewed.enrichment.customer).toBeNull();
    expect(viewed.enrichment.missing).toEqual([]);
    expect(viewed.enrichment.geo.region).toBe('europe');
    const cart = enricher.enrich(
      {
        ...envelope,
        id: 'c',
        type: EventType.CartItemAdded,
        customerid: 'c-2',
        data: { productId: 'p-1', quantity: 2 },
      } as PulseEvent,
      time,
      NOW,
    );
    expect(cart.enrichment).toMatchObject({
      status: 'complete',
      products: [{ name: 'Mug' }],
      customer: { segment: 'new', accountAgeDays: 0 },
    });
    const stock = enricher.enrich(
      {
        ...envelope,
        id: 'i',
        type: EventType.InventoryLevelChanged,
        data: { productId: 'p-9', stock: 0 },
      } as PulseEvent,
      time,
      NOW,
    );
    expect(stock.enrichment).toMatchObject({
      status: 'partial',
      missing: ['product', 'geo'],
      products: [null],
    });
  });

  it('never gives a negative account age for an event before the signup', () => {
    const early = enricher.enrich(
      order(['p-1'], { time: '2025-12-01T00:00:00Z' }),
      Date.parse('2025-12-01T00:00:00Z'),
      NOW,
    );
    expect(early.enrichment.customer?.accountAgeDays).toBe(0);
  });

  it('sees updates and deletions of the tables for later events', () => {
    lookup.products.set('p-1', productEntry({ ...PRODUCTS[0]!, name: 'Big Mug', category: 'home' }));
    lookup.customers.delete('c-1');
    const enriched = enricher.enrich(order(['p-1']), time, NOW);
    expect(enriched.enrichment.products).toEqual([{ name: 'Big Mug', category: 'home', tags: ['ceramic'] }]);
    expect(enriched.enrichment.missing).toEqual(['customer', 'geo']);
  });
});
