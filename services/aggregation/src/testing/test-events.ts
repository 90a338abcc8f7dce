import { EventType, type EnrichedEvent } from '@pulse/contracts';

/** Builders of enriched events for unit tests. */
export interface TestOrderLine {
  productId: string;
  category: string | null;
  quantity: number;
  unitPrice: number;
}

const enrichment = (
  region: string,
  products: ({ category: string } | null)[],
): EnrichedEvent['enrichment'] => ({
  status: 'complete',
  missing: [],
  products: products.map((product) =>
    product === null ? null : { name: 'product', category: product.category, tags: [] },
  ),
  customer: null,
  geo: { country: null, region: region as EnrichedEvent['enrichment']['geo']['region'], source: 'event' },
  enrichedAt: '2026-01-01T00:00:00.000Z',
});

export function orderEvent(
  id: string,
  timeMs: number,
  options: { customer?: string; region?: string; currency?: string; lines: TestOrderLine[] },
): EnrichedEvent {
  return {
    specversion: '1.0',
    id,
    source: 'test',
    type: EventType.OrderPlaced,
    time: new Date(timeMs).toISOString(),
    datacontenttype: 'application/json',
    customerid: options.customer ?? 'customer-1',
    data: {
      orderId: `order-${id}`,
      currency: options.currency ?? 'USD',
      lines: options.lines.map(({ productId, quantity, unitPrice }) => ({ productId, quantity, unitPrice })),
    },
    enrichmentstatus: 'complete',
    enrichment: enrichment(
      options.region ?? 'europe',
      options.lines.map((line) => (line.category === null ? null : { category: line.category })),
    ),
  } as EnrichedEvent;
}

export function browseEvent(
  kind: 'view' | 'cart',
  id: string,
  timeMs: number,
  options: { category?: string | null; region?: string; productId?: string } = {},
): EnrichedEvent {
  const productId = options.productId ?? 'sku-1';
  const category = options.category === undefined ? 'books' : options.category;
  return {
    specversion: '1.0',
    id,
    source: 'test',
    type: kind === 'view' ? EventType.ProductViewed : EventType.CartItemAdded,
    time: new Date(timeMs).toISOString(),
    datacontenttype: 'application/json',
    sessionid: 'session-1',
    data: kind === 'view' ? { productId } : { productId, quantity: 1 },
    enrichmentstatus: 'complete',
    enrichment: enrichment(options.region ?? 'europe', [category === null ? null : { category }]),
  } as EnrichedEvent;
}

/** A written point's identity (measurement, tags, timestamp) and its fields, from a line. */
export function splitLine(line: string): { identity: string; fields: string } {
  const firstSpace = indexOfUnescapedSpace(line);
  const lastSpace = line.lastIndexOf(' ');
  return {
    identity: `${line.slice(0, firstSpace)} @${line.slice(lastSpace + 1)}`,
    fields: line.slice(firstSpace + 1, lastSpace),
  };
}

function indexOfUnescapedSpace(line: string): number {
  for (let i = 0; i < line.length; i += 1) {
    if (line[i] === '\\') i += 1;
    else if (line[i] === ' ') return i;
  }
  return -1;
}
