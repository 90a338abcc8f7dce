import type { SchemaObject } from '@nestjs/swagger';
import { incomingEventSchema } from '@pulse/contracts';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** The contract as OpenAPI sees it: generated from the same zod schema that validates requests. */
function incomingEventJsonSchema(): SchemaObject {
  const schema = z.toJSONSchema(incomingEventSchema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'any',
  }) as JsonSchema;
  // Clients may leave these out: ingestion fills them in (the zod preprocess step says so, which
  // JSON Schema cannot express).
  const optional = new Set(['id', 'specversion']);
  for (const variant of (schema.oneOf ?? schema.anyOf ?? [schema]) as JsonSchema[]) {
    if (Array.isArray(variant.required)) {
      variant.required = (variant.required as string[]).filter((name) => !optional.has(name));
    }
  }
  delete schema.$schema;
  return {
    ...schema,
    description:
      'A CloudEvents 1.0 structured-mode event. `id`, when absent, is derived from the content, so a ' +
      'retry of the same event (after a 503 or a timeout) counts once; two events alike in every attribute ' +
      'are then one event (send your own ids to tell them apart). `specversion` defaults to "1.0", currency ' +
      'and country codes are upper-cased, ' +
      'strings trimmed, `ingestedat` is stamped by ingestion. Unknown extra attributes are kept.',
  } as SchemaObject;
}

export const EVENT_SCHEMA = incomingEventJsonSchema();

export const BATCH_SCHEMA: SchemaObject = {
  type: 'array',
  items: EVENT_SCHEMA,
  minItems: 1,
  description:
    'At most PULSE_BATCH_MAX_EVENTS events (default 1000) and PULSE_BATCH_MAX_BYTES bytes (default 1 MiB). ' +
    'As application/x-ndjson: one event per line instead of an array. Each event is taken or refused on ' +
    'its own: an element or line that is not a valid event, is not JSON, or holds a `__proto__` or ' +
    '`constructor.prototype` key is listed in `rejected`, and the others are accepted. A JSON array body ' +
    'that does not parse is refused whole (400 `malformed_json`).',
};

const ISSUE_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    path: { type: 'string', example: 'data.lines[0].quantity' },
    message: { type: 'string', example: 'must be greater than 0' },
  },
  required: ['path', 'message'],
};

export const ACCEPTED_SCHEMA: SchemaObject = {
  type: 'object',
  properties: { index: { type: 'integer', example: 0 }, id: { type: 'string' } },
  required: ['index', 'id'],
};

export const BATCH_OUTCOME_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    accepted: { type: 'array', items: ACCEPTED_SCHEMA },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, errors: { type: 'array', items: ISSUE_SCHEMA } },
        required: ['index', 'errors'],
      },
    },
  },
  required: ['accepted', 'rejected'],
};

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    error: { type: 'string', example: 'invalid_event' },
    message: { type: 'string' },
    details: { type: 'array', items: ISSUE_SCHEMA },
  },
  required: ['error', 'message'],
};

export const ALL_REJECTED_SCHEMA: SchemaObject = {
  type: 'object',
  properties: { ...ERROR_SCHEMA.properties, ...BATCH_OUTCOME_SCHEMA.properties },
  required: ['error', 'message', 'accepted', 'rejected'],
};
