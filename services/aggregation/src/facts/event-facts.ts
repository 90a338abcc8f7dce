import {
  EventType,
  UNKNOWN_CATEGORY,
  UNKNOWN_PRODUCT,
  toMinorUnits,
  type EnrichedEvent,
} from '@pulse/contracts';

/** What an order's lines add to one category or one product. */
export interface CategoryShare {
  readonly category: string;
  /** Group keys of the category and of the category × region pair (see state/group-keys.ts). */
  readonly key: string;
  readonly crossKey: string;
  readonly units: number;
  readonly revenueMinor: number;
}

export interface ProductShare {
  readonly productId: string;
  readonly category: string;
  readonly key: string;
  readonly units: number;
  readonly revenueMinor: number;
}

export interface OrderFacts {
  readonly currency: string;
  readonly customerId: string;
  readonly units: number;
  readonly revenueMinor: number;
  /** One entry per distinct category among the lines: the order counts once in each. */
  readonly categories: readonly CategoryShare[];
  /** One entry per distinct product among the lines. */
  readonly products: readonly ProductShare[];
}

interface FactsBase {
  readonly id: string;
  /** Event time, ms since the epoch. */
  readonly time: number;
  /** When ingestion accepted the event and enrichment finished it (ms); NaN when unknown. */
  readonly ingestedAt: number;
  readonly enrichedAt: number;
}

interface SalesFactsBase extends FactsBase {
  readonly region: string;
  readonly regionKey: string;
}

export type EventFacts =
  | (SalesFactsBase & { readonly kind: 'order'; readonly order: OrderFacts })
  | (SalesFactsBase & {
      readonly kind: 'view' | 'cart';
      readonly category: string;
      readonly categoryKey: string;
      readonly crossKey: string;
    })
  /** Inventory changes feed no sales metric (the alert service uses them). */
  | (FactsBase & { readonly kind: 'other' });

/**
 * How far an event moves its partition's event clock (and so the watermark and the dedupe
 * horizon): its event time, but never past when ingestion accepted it. The event time is the
 * client's, so a skewed or hostile clock could otherwise close every open window of the
 * partition early and make other customers' on-time events late; ingestion's clock is ours.
 * The event itself still counts in the window of its own time. Events that did not come
 * through ingestion (no `ingestedat`) move it by their event time.
 */
export function eventClockOf(facts: Pick<EventFacts, 'time' | 'ingestedAt'>): number {
  return Number.isNaN(facts.ingestedAt) ? facts.time : Math.min(facts.time, facts.ingestedAt);
}

/** Group keys inside a window: one string per grouping and dimension values. */
export const TOTAL_KEY = 'T';
export const regionKey = (region: string): string => `R\u0000${region}`;
export const categoryKey = (category: string): string => `C\u0000${category}`;
export const crossKey = (category: string, region: string): string => `X\u0000${category}\u0000${region}`;
export const productKey = (productId: string): string => `P\u0000${productId}`;

/**
 * A dimension value usable as an InfluxDB tag: never empty (→ `unknown`), never ending in a
 * backslash (line protocol cannot escape a trailing one).
 */
export function tagSafe(value: string): string {
  const trimmed = value.trim().replace(/\\+$/, '');
  return trimmed === '' ? UNKNOWN_CATEGORY : trimmed;
}

/**
 * Reduces an enriched event to the numbers aggregation needs, once per event, so the work per
 * window size is only map updates. Revenue per line is the unit price in exact minor units times
 * the quantity; a line's category is its product's (`unknown` when enrichment found none), and a
 * product the catalogue does not know counts as the one product `unknown`.
 */
export function toEventFacts(event: EnrichedEvent): EventFacts {
  const base: FactsBase = {
    id: event.id,
    time: Date.parse(event.time),
    ingestedAt: event.ingestedat === undefined ? Number.NaN : Date.parse(event.ingestedat),
    enrichedAt: Date.parse(event.enrichment.enrichedAt),
  };
  const region = event.enrichment.geo.region;
  switch (event.type) {
    case EventType.OrderPlaced:
      return {
        ...base,
        kind: 'order',
        region,
        regionKey: regionKey(region),
        order: orderFacts(event, region),
      };
    case EventType.ProductViewed:
    case EventType.CartItemAdded: {
      const category = tagSafe(event.enrichment.products[0]?.category ?? UNKNOWN_CATEGORY);
      return {
        ...base,
        kind: event.type === EventType.ProductViewed ? 'view' : 'cart',
        region,
        regionKey: regionKey(region),
        category,
        categoryKey: categoryKey(category),
        crossKey: crossKey(category, region),
      };
    }
    default:
      return { ...base, kind: 'other' };
  }
}

function orderFacts(
  event: EnrichedEvent & { type: typeof EventType.OrderPlaced },
  region: string,
): OrderFacts {
  const { currency, lines } = event.data;
  // Product info is positional (one entry per line); a missing entry is an unknown product.
  const products = event.enrichment.products;
  const byCategory = new Map<string, { units: number; revenueMinor: number }>();
  const byProduct = new Map<string, { category: string; units: number; revenueMinor: number }>();
  let units = 0;
  let revenueMinor = 0;
  lines.forEach((line, index) => {
    const product = products[index];
    const category = tagSafe(product?.category ?? UNKNOWN_CATEGORY);
    const productId = product == null ? UNKNOWN_PRODUCT : tagSafe(line.productId);
    const lineMinor = toMinorUnits(line.unitPrice, currency) * line.quantity;
    units += line.quantity;
    revenueMinor += lineMinor;
    const forCategory = byCategory.get(category) ?? { units: 0, revenueMinor: 0 };
    forCategory.units += line.quantity;
    forCategory.revenueMinor += lineMinor;
    byCategory.set(category, forCategory);
    const forProduct = byProduct.get(productId) ?? { category, units: 0, revenueMinor: 0 };
    forProduct.units += line.quantity;
    forProduct.revenueMinor += lineMinor;
    byProduct.set(productId, forProduct);
  });
  return {
    currency,
    customerId: event.customerid as string,
    units,
    revenueMinor,
    categories: [...byCategory].map(([category, share]) => ({
      category,
      key: categoryKey(category),
      crossKey: crossKey(category, region),
      ...share,
    })),
    products: [...byProduct].map(([productId, share]) => ({
      productId,
      key: productKey(productId),
      ...share,
    })),
  };
}
