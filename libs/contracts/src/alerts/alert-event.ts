import { z } from 'zod';
import { rfc3339 } from '../events/primitives';

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/**
 * A state change of one alert on the `alerts` topic (keyed by fingerprint): the durable log
 * the notifier delivers from and reporting reads.
 */
export const alertEventSchema = z.object({
  fingerprint: z.string().min(1),
  rule: z.string().min(1),
  kind: z.string().min(1),
  severity: z.enum(ALERT_SEVERITIES),
  state: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  summary: z.string(),
  value: z.number(),
  threshold: z.number(),
  window: z.object({ start: rfc3339, end: rfc3339 }).nullable(),
  startsAt: rfc3339,
  updatedAt: rfc3339,
  endsAt: rfc3339.nullable(),
  /** Event time of the event that triggered this change, for event-to-notification latency. */
  triggerEventTime: rfc3339.nullable(),
  /** Increments with each notification-worthy change of this fingerprint (fire, repeat, resolve). */
  sequence: z.number().int().nonnegative(),
  links: z.object({ dashboard: z.string().optional(), report: z.string().optional() }).default({}),
});
export type AlertEvent = z.infer<typeof alertEventSchema>;
