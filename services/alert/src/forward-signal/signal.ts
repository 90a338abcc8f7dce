import { GROUPINGS, decodeJsonWith, type WindowedMetric } from '@pulse/contracts';
import { DLQ_HEADER, type ConsumedMessage, type OutgoingRecord } from '@pulse/kafka';
import { z } from 'zod';

/**
 * A series the window rules watch: one dimension of `metrics.windowed` at one window size, or the
 * per-minute count of dead-lettered records.
 */
export const seriesSchema = z.object({
  source: z.enum(['metrics', 'dead_letter']),
  grouping: z.enum(GROUPINGS).nullable(),
  category: z.string().nullable(),
  region: z.string().nullable(),
  windowSizeMs: z.number().int().positive(),
});
export type Series = z.infer<typeof seriesSchema>;

/**
 * The alert service's internal record on `alerts.signals`, keyed by series: one contributor's
 * share of one window of one series. `metrics.windowed` is keyed by window + dimensions, so the
 * windows of one category land on different partitions; re-keying by series puts a category's
 * whole history (its baseline) and its alerts on one partition, owned by one instance.
 *
 * - `snapshot` (window results): the contributor's latest total replaces its previous one; an
 *   older `sourceOffset` (a replay) is ignored.
 * - `increment` (dead letters): adds to the window once per `sourceOffset` of the contributor.
 */
export const signalSchema = z.object({
  v: z.literal(1),
  series: seriesSchema,
  windowStart: z.number().int(),
  contributor: z.string().min(1),
  mode: z.enum(['snapshot', 'increment']),
  sourceOffset: z.string().regex(/^\d+$/),
  final: z.boolean(),
  lastEventTime: z.number().nullable(),
  revenue: z.record(z.string(), z.number()),
  orders: z.number().nonnegative(),
  late: z.number().nonnegative(),
  deadLettered: z.number().nonnegative(),
});
export type Signal = z.infer<typeof signalSchema>;

export const DEAD_LETTER_BUCKET_MS = 60_000;

export function seriesKey(series: Series): string {
  return JSON.stringify([
    series.source,
    series.grouping,
    series.category,
    series.region,
    series.windowSizeMs,
  ]);
}

export function decodeSignal(message: ConsumedMessage): Signal {
  return decodeJsonWith(signalSchema, message.value, 'invalid alert signal');
}

export function signalRecord(
  topic: string,
  signal: Signal,
  headers?: Record<string, string>,
): OutgoingRecord {
  return {
    topic,
    key: seriesKey(signal.series),
    value: JSON.stringify(signal),
    ...(headers ? { headers } : {}),
  };
}

/** A window result as a signal of its series (per source partition of the result). */
export function signalOfWindow(metric: WindowedMetric, sourceOffset: string): Signal {
  return {
    v: 1,
    series: {
      source: 'metrics',
      grouping: metric.grouping,
      category: metric.category,
      region: metric.region,
      windowSizeMs: metric.windowSizeMs,
    },
    windowStart: Date.parse(metric.windowStart),
    contributor: `p${metric.sourcePartition}`,
    mode: 'snapshot',
    sourceOffset,
    final: metric.final,
    lastEventTime: metric.lastEventTime === null ? null : Date.parse(metric.lastEventTime),
    revenue: metric.revenue,
    orders: metric.orders,
    late: metric.lateEvents ?? metric.lateOrders ?? 0,
    deadLettered: 0,
  };
}

/** One dead-lettered record as +1 in the minute it was dead-lettered. */
export function signalOfDeadLetter(message: ConsumedMessage): Signal {
  const at = deadLetteredAt(message);
  return {
    v: 1,
    series: {
      source: 'dead_letter',
      grouping: null,
      category: null,
      region: null,
      windowSizeMs: DEAD_LETTER_BUCKET_MS,
    },
    windowStart: Math.floor(at / DEAD_LETTER_BUCKET_MS) * DEAD_LETTER_BUCKET_MS,
    contributor: `p${message.partition}`,
    mode: 'increment',
    sourceOffset: message.offset,
    final: false,
    lastEventTime: at,
    revenue: {},
    orders: 0,
    late: 0,
    deadLettered: 1,
  };
}

/** When the record was dead-lettered; its Kafka timestamp is the original event's time, not that. */
function deadLetteredAt(message: ConsumedMessage): number {
  const stamped = Date.parse(
    message.headers[DLQ_HEADER.deadLetteredAt] ?? message.headers[DLQ_HEADER.firstFailureTime] ?? '',
  );
  if (Number.isFinite(stamped)) return stamped;
  return Number.isFinite(message.timestamp) ? message.timestamp : Date.now();
}
