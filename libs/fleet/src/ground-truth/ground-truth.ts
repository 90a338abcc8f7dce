import { z } from 'zod';

const count = z.number().int().nonnegative();
const instant = z.iso.datetime({ offset: true });
/** Revenue per ISO currency in exact minor units (cents), as aggregation stores it. */
const revenueMinor = z.record(z.string(), z.number().int());

/** What aggregation computes for one window and one group, recomputed by the load generator. */
export const windowFiguresSchema = z.object({
  orders: count,
  units: count,
  revenueMinor,
  uniqueCustomers: count,
  views: count,
  cartAdds: count,
});
export type WindowFigures = z.infer<typeof windowFiguresSchema>;

export const groundTruthCellSchema = windowFiguresSchema.extend({
  windowStart: instant,
  category: z.string().nullable(),
  region: z.string().nullable(),
});
export type GroundTruthCell = z.infer<typeof groundTruthCellSchema>;

export const TRUTH_GROUPINGS = ['total', 'category', 'region', 'category_region'] as const;
export type TruthGrouping = (typeof TRUTH_GROUPINGS)[number];

const outcomeSchema = z.object({ sent: count, accepted: count, rejected: count });

/**
 * The load generator's record of one run: what it sent, what ingestion acknowledged, and what
 * the pipeline must therefore report — per window and per group, with the same definitions as
 * aggregation (docs/metrics-schema.md). Tests and `npm start -- --duration` compare the
 * reporting API against it.
 */
export const groundTruthSchema = z.object({
  version: z.literal(1),
  run: z.object({
    scenarios: z.array(z.string()).min(1),
    seed: z.number().int(),
    startTime: instant,
    durationMs: count,
    rate: z.number().positive(),
    target: z.string(),
    startedAt: instant,
    finishedAt: instant,
  }),
  windowSizeMs: z.number().int().positive(),
  allowedLatenessMs: count,
  /**
   * False when some events' fate is unknown (a request failed after retries, or ingestion's
   * answer could not be read): then the figures are a lower bound, not an exact expectation.
   */
  exact: z.boolean(),
  inexactReasons: z.array(z.string()),
  requests: z.object({ sent: count, failed: count, retried: count }),
  events: outcomeSchema.extend({ failed: count }),
  /**
   * Invalid events (bad JSON, schema violations). `accepted`/`rejected` are the API's answers to
   * those sent through it (it must refuse every one); `bypass` are those written straight to
   * `events.raw`, as a producer that skips the API would — each must end up in `dead-letter`.
   */
  malformed: outcomeSchema.extend({
    byKind: z.record(z.string(), count),
    /** `ids`: the event ids written (also their record keys), to find them in `dead-letter`. */
    bypass: z.object({ sent: count, written: count, ids: z.array(z.string()) }),
  }),
  /** Re-sends of an already accepted event id: accepted again, counted once. */
  duplicates: outcomeSchema,
  /** Events older than the allowed lateness: accepted, counted as late, in no window. */
  late: outcomeSchema,
  /** Inclusive start of the first and exclusive end of the last window holding counted events. */
  range: z.object({ from: instant, to: instant }).nullable(),
  totals: windowFiguresSchema.omit({ uniqueCustomers: true }),
  groupings: z.object({
    total: z.array(groundTruthCellSchema),
    category: z.array(groundTruthCellSchema),
    region: z.array(groundTruthCellSchema),
    category_region: z.array(groundTruthCellSchema),
  }),
  /** Per product over the whole run, for top-products. */
  products: z.array(
    z.object({ productId: z.string(), category: z.string(), orders: count, units: count, revenueMinor }),
  ),
  /** Situations the alert rules are expected to notice. */
  expectations: z.object({
    /** Customers who ordered in a burst: orders and the event-time span they were placed in. */
    orderBursts: z.array(
      z.object({ customerId: z.string(), orders: count, firstEventTime: instant, lastEventTime: instant }),
    ),
    /** Products whose stock the generator drained to zero, and the event time it reached zero. */
    stockOuts: z.array(z.object({ productId: z.string(), eventTime: instant })),
  }),
});
export type GroundTruth = z.infer<typeof groundTruthSchema>;

/** Reads and validates a ground-truth file's contents. */
export function parseGroundTruth(json: string): GroundTruth {
  return groundTruthSchema.parse(JSON.parse(json));
}
