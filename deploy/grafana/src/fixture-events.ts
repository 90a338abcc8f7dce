import { EventType, type EnrichedEvent } from '@pulse/contracts';

export interface FixtureMessage {
  partition: number;
  key: string;
  value: string;
  timestamp: number;
}

const CATEGORIES = ['books', 'toys', 'games', 'garden'];
const REGIONS = ['europe', 'asia', 'north-america', 'oceania'] as const;
const CURRENCIES = [
  ['USD', 19.99],
  ['EUR', 9.5],
  ['JPY', 1200],
] as const;

/**
 * A small, deterministic stream for `events.enriched` that touches every measurement the
 * dashboards read: orders in three currencies, views and cart adds in every category and region,
 * late orders (beyond the lateness for every window size), duplicates and a few poison messages.
 */
export function fixtureMessages(
  startMs: number,
  spanMs: number,
  count: number,
  partitions: number,
): FixtureMessage[] {
  const messages: FixtureMessage[] = [];
  const lateAfterMs = 7 * 60_000;
  for (let i = 0; i < count; i += 1) {
    const base = startMs + Math.floor((i * spanMs) / count);
    const customer = `cust-${i % 97}`;
    const partition = (i % 97) % partitions;
    const late = base - startMs > lateAfterMs && i % 40 === 0;
    const time = late ? base - 6 * 60_000 - 45_000 : base;
    const category = CATEGORIES[i % CATEGORIES.length] as string;
    const region = REGIONS[Math.floor(i / 4) % REGIONS.length] as string;
    const [currency, price] = CURRENCIES[
      Math.floor(i / 16) % CURRENCIES.length
    ] as (typeof CURRENCIES)[number];
    const kind = late ? 0 : i % 5;
    const event = {
      specversion: '1.0',
      id: `grafana-${i}`,
      source: 'grafana-dashboard-test',
      time: new Date(time).toISOString(),
      datacontenttype: 'application/json',
      customerid: customer,
      ingestedat: new Date(time + 20).toISOString(),
      enrichmentstatus: 'complete',
      ...(kind <= 1
        ? {
            type: EventType.OrderPlaced,
            data: {
              orderId: `order-${i}`,
              currency,
              lines: [{ productId: `sku-${i % 13}`, quantity: 1 + (i % 3), unitPrice: price }],
            },
          }
        : kind === 2
          ? { type: EventType.CartItemAdded, data: { productId: `sku-${i % 13}`, quantity: 1 } }
          : { type: EventType.ProductViewed, data: { productId: `sku-${i % 13}` } }),
      enrichment: {
        status: 'complete',
        missing: [],
        products: [{ name: 'product', category, tags: [] }],
        customer: null,
        geo: { country: null, region, source: 'event' },
        enrichedAt: new Date(time + 60).toISOString(),
      },
    } as EnrichedEvent;
    const message = { partition, key: customer, value: JSON.stringify(event), timestamp: time };
    messages.push(message);
    if (i % 50 === 7) messages.push(message); // a retry: counted once
    if (i % 1000 === 500)
      messages.push({ partition, key: customer, value: '{"not":"an event"}', timestamp: time });
  }
  return messages;
}
