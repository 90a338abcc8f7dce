import { z } from 'zod';
import { pulseEventSchema, type PulseEvent } from './envelope';
import { rfc3339 } from './primitives';

/** Region names used for grouping; `unknown` when neither country nor IP resolved. */
export const REGIONS = [
  'africa',
  'asia',
  'europe',
  'north-america',
  'oceania',
  'south-america',
  'antarctica',
  'unknown',
] as const;
export type Region = (typeof REGIONS)[number];

export const UNKNOWN_CATEGORY = 'unknown';
/**
 * The one product id under which aggregation counts every product the catalogue does not know:
 * product ids come from clients, so counting each unknown one apart would let any client grow
 * the number of series, groups and alert keys without bound.
 */
export const UNKNOWN_PRODUCT = 'unknown';

export const productInfoSchema = z.object({
  name: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
});
export type ProductInfo = z.infer<typeof productInfoSchema>;

export const customerInfoSchema = z.object({
  segment: z.string(),
  signupTime: rfc3339,
  accountAgeDays: z.number().int().nonnegative(),
});
export type CustomerInfo = z.infer<typeof customerInfoSchema>;

export const geoInfoSchema = z.object({
  country: z.string().nullable(),
  region: z.enum(REGIONS),
  source: z.enum(['event', 'ip', 'customer', 'none']),
});
export type GeoInfo = z.infer<typeof geoInfoSchema>;

/** What enrichment could and could not find; missing reference data never drops an event. */
export const enrichmentSchema = z.object({
  status: z.enum(['complete', 'partial']),
  missing: z.array(z.enum(['product', 'customer', 'geo'])),
  /** Product info per order line (same order as data.lines), or for the single product of other types. */
  products: z.array(productInfoSchema.nullable()),
  customer: customerInfoSchema.nullable(),
  geo: geoInfoSchema,
  enrichedAt: rfc3339,
});
export type Enrichment = z.infer<typeof enrichmentSchema>;

const enrichedShape = {
  enrichmentstatus: z.enum(['complete', 'partial']),
  enrichment: enrichmentSchema,
};
const [orderPlaced, productViewed, cartItemAdded, inventoryLevelChanged] = pulseEventSchema.options;

/**
 * An event on `events.enriched`: the raw CloudEvent unchanged, plus the `enrichment`
 * attribute and the `enrichmentstatus` extension (a string, so CloudEvents tooling can filter on it).
 * Each event type is extended rather than intersected with the enrichment: an intersection parses
 * both sides and throws ("Unmergable intersection") instead of reporting an issue whenever the raw
 * schema normalises a field (trim, upper-case) that the other side passes through unchanged.
 */
export const enrichedEventSchema = z.discriminatedUnion('type', [
  orderPlaced.extend(enrichedShape),
  productViewed.extend(enrichedShape),
  cartItemAdded.extend(enrichedShape),
  inventoryLevelChanged.extend(enrichedShape),
]);
export type EnrichedEvent = PulseEvent & { enrichmentstatus: Enrichment['status']; enrichment: Enrichment };
