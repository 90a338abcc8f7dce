import { EventType } from '@pulse/contracts';

/**
 * What an event costs against its key's rate limit: 1 for every event, and for an order its
 * number of lines. Enrichment looks up, and aggregation adds up, each line of an order, so a
 * 500-line order is 500 times the work of a view while a one-line order costs what a view does.
 *
 * Measured on the event as sent, before validation: validating a long `lines` array is work too,
 * and an event that fails validation is charged like a valid one.
 */
export function eventCost(event: unknown): number {
  if (!isRecord(event) || event.type !== EventType.OrderPlaced || !isRecord(event.data)) return 1;
  const lines = event.data.lines;
  return Array.isArray(lines) ? Math.max(1, lines.length) : 1;
}

/** The cost of several events (a batch). */
export function totalCost(events: Iterable<unknown>): number {
  let total = 0;
  for (const event of events) total += eventCost(event);
  return total;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
