import type { z } from 'zod';
import { enrichedEventSchema, type EnrichedEvent } from './enriched';
import { pulseEventSchema, type PulseEvent } from './envelope';
import { ContractViolation, toValidationIssues } from './validation';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/** Headers of a structured-mode CloudEvent on Kafka; ce_type/ce_id let tools route without parsing. */
export function eventHeaders(event: { id: string; type: string }): Record<string, string> {
  return { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ce_type: event.type, ce_id: event.id };
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
    throw new ContractViolation([{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }], context);
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
