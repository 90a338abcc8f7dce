import { z } from 'zod';
import { rfc3339 } from '../events/primitives';

/** The dimension sets every window is computed for. */
export const GROUPINGS = ['total', 'category', 'region', 'category_region', 'product'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/**
 * One window result on `metrics.windowed`, re-emitted whenever it changes and once more when final.
 * Results are per source partition of `events.enriched` (that partition's owner computes them);
 * a consumer keeps the latest result per `sourcePartition` and sums across partitions — exact,
 * unique customers included, because events are keyed by customer.
 */
export const windowedMetricSchema = z.object({
  windowStart: rfc3339,
  windowEnd: rfc3339,
  windowSizeMs: z.number().int().positive(),
  grouping: z.enum(GROUPINGS),
  category: z.string().nullable(),
  region: z.string().nullable(),
  productId: z.string().nullable(),
  sourcePartition: z.number().int().nonnegative(),
  /** Revenue per ISO currency, in major units, and its exact minor-unit integer. */
  revenue: z.record(z.string(), z.number()),
  revenueMinor: z.record(z.string(), z.number().int()),
  orders: z.number().int().nonnegative(),
  units: z.number().int().nonnegative(),
  uniqueCustomers: z.number().int().nonnegative(),
  views: z.number().int().nonnegative(),
  cartAdds: z.number().int().nonnegative(),
  final: z.boolean(),
  watermark: rfc3339,
  /** Event time of the newest event that changed this result (for event-to-alert latency). */
  lastEventTime: rfc3339.nullable(),
  /**
   * Late events (too late for their own window) that arrived while this window was the newest of
   * its size on the partition: counted here, in no window. Absent when there were none.
   */
  lateEvents: z.number().int().nonnegative().optional(),
  lateOrders: z.number().int().nonnegative().optional(),
  lateUnits: z.number().int().nonnegative().optional(),
  lateRevenue: z.record(z.string(), z.number()).optional(),
  lateRevenueMinor: z.record(z.string(), z.number().int()).optional(),
});
export type WindowedMetric = z.infer<typeof windowedMetricSchema>;
