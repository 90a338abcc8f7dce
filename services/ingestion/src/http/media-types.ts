import type { FastifyRequest } from 'fastify';

/** One event: plain JSON or a structured-mode CloudEvent. */
export const SINGLE_EVENT_TYPES = ['application/json', 'application/cloudevents+json'] as const;
/** A JSON array: plain JSON or a CloudEvents batch. */
export const JSON_BATCH_TYPES = ['application/json', 'application/cloudevents-batch+json'] as const;
/** One event per line. */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson'] as const;

/** The media type of a request without parameters, lower-case; '' when there is none. */
export function mediaTypeOf(request: FastifyRequest): string {
  const header = request.headers['content-type'];
  return typeof header === 'string' ? (header.split(';')[0] ?? '').trim().toLowerCase() : '';
}

export function isOneOf(media: string, types: readonly string[]): boolean {
  return types.includes(media);
}
