import { orderPlacedWithExtensions, productViewedAnonymous } from './valid-events';

/** The enrichment attribute as enrichment writes it for a two-line order. */
export const completeEnrichment = {
  status: 'complete',
  missing: [],
  products: [
    { name: 'Wool socks', category: 'apparel', tags: ['winter'] },
    { name: 'Gift card', category: 'gifts', tags: [] },
  ],
  customer: { segment: 'vip', signupTime: '2024-02-29T08:00:00Z', accountAgeDays: 1000 },
  geo: { country: 'DE', region: 'europe', source: 'event' },
  enrichedAt: '2026-11-24T10:15:31.250Z',
};

/** A raw order (as sent, not yet normalised) with its enrichment: what `events.enriched` carries. */
export const enrichedOrder = {
  ...orderPlacedWithExtensions,
  enrichmentstatus: 'complete',
  enrichment: completeEnrichment,
};

/** An anonymous view whose product and customer were not found: still a valid enriched event. */
export const enrichedAnonymousView = {
  ...productViewedAnonymous,
  enrichmentstatus: 'partial',
  enrichment: {
    status: 'partial',
    missing: ['product', 'customer'],
    products: [null],
    customer: null,
    geo: { country: null, region: 'unknown', source: 'none' },
    enrichedAt: '2026-11-24T15:16:00.500Z',
  },
};
