import { COMPRESSIONS } from '@pulse/kafka';
import { z } from 'zod';

/**
 * How the harness tells a feeder process what to send (one JSON argument), and what the feeder
 * reports back (a JSON file). Shared by both sides.
 */
export const feederJobSchema = z.object({
  brokers: z.array(z.string()).min(1),
  topic: z.string().min(1),
  /** As Pulse's services produce in this run (ingestion writes events.raw with it). */
  compression: z.enum(COMPRESSIONS),
  corpusFile: z.string().min(1),
  /** Open loop at `rate` for `durationMs`, or `count` events as fast as Kafka takes them. */
  mode: z.enum(['paced', 'burst']),
  rate: z.number().positive(),
  durationMs: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  /** Makes event ids unique per run: `<runTag>-<sequence>`. */
  runTag: z.string().min(1),
  resultFile: z.string().min(1),
});
export type FeederJob = z.infer<typeof feederJobSchema>;

const totalsSchema = z.object({
  orders: z.number(),
  units: z.number(),
  views: z.number(),
  cartAdds: z.number(),
});

export const feederResultSchema = z.object({
  planned: z.number(),
  acknowledged: z.number(),
  failed: z.number(),
  totals: totalsSchema,
  startedAt: z.number(),
  finishedAt: z.number(),
  /** How far sending fell behind the schedule at worst (ms): large = the feeder or Kafka was the limit. */
  maxBehindMs: z.number(),
  meanEventBytes: z.number(),
  errors: z.array(z.string()),
});
export type FeederResult = z.infer<typeof feederResultSchema>;
