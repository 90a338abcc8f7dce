import type { z } from 'zod';
import { enrichedEventSchema, type EnrichedEvent } from './enriched';
import { pulseEventSchema, type PulseEvent } from './envelope';
import { ContractViolation, toValidationIssues } from './validation';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/**
 * Pulse's own headers with the event's type and id, so tools can route and count without parsing
 * the value. Not `ce_type` / `ce_id`: in the CloudEvents Kafka binding those names mark binary
 * mode, and a structured-mode message must not carry attributes as `ce_` headers (an SDK would
 * read it as a binary-mode event whose data is the whole envelope).
 */
export const EVENT_HEADER = { type: 'pulse-event-type', id: 'pulse-event-id' } as const;

/** The names earlier Pulse versions wrote; records with them stay on topics until retention. */
const LEGACY_EVENT_HEADER = { type: 'ce_type', id: 'ce_id' } as const;

/** Headers of a structured-mode CloudEvent on Kafka: the content type, and EVENT_HEADER. */
export function eventHeaders(event: { id: string; type: string }): Record<string, string> {
  return {
    'content-type': CLOUDEVENTS_CONTENT_TYPE,
    [EVENT_HEADER.type]: event.type,
    [EVENT_HEADER.id]: event.id,
  };
}

/** The event id from a record's headers, also from a record an earlier Pulse version wrote. */
export function eventIdOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  return headers[EVENT_HEADER.id] ?? headers[LEGACY_EVENT_HEADER.id];
}

/** The event type from a record's headers, also from a record an earlier Pulse version wrote. */
export function eventTypeOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  return headers[EVENT_HEADER.type] ?? headers[LEGACY_EVENT_HEADER.type];
}

export function encodeEvent(event: PulseEvent | EnrichedEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

function decodeWith<T>(schema: z.ZodType<T>, value: Buffer | null, context: string): T {
  if (value === null || value.length === 0) {
    throw new ContractViolation([{ path: '(root)', message: 'message has no value' }], context);
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new ContractViolation(
      [{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }],
      context,
    );
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new ContractViolation(toValidationIssues(result.error), context);
  return result.data;
}

/** Parses and validates a message from `events.raw`; throws ContractViolation with precise paths. */
export function decodePulseEvent(value: Buffer | null): PulseEvent {
  return decodeWith(pulseEventSchema, value, 'invalid event');
}

/** Parses and validates a message from `events.enriched`. */
export function decodeEnrichedEvent(value: Buffer | null): EnrichedEvent {
  return decodeWith(enrichedEventSchema, value, 'invalid enriched event') as EnrichedEvent;
}

export { decodeWith as decodeJsonWith };
