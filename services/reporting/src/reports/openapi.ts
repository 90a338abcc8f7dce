import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/** A zod schema as an OpenAPI 3.0 schema object (one source for validation and documentation). */
export function openApiSchema(schema: z.ZodType): SchemaObject {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    unrepresentable: 'any',
    io: 'output',
  }) as Record<string, unknown>;
  delete json.$schema;
  return json as SchemaObject;
}

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    error: { type: 'string', example: 'bad_request' },
    message: { type: 'string', example: 'to: must be after from' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string', example: 'to' },
          message: { type: 'string', example: 'must be after from' },
        },
      },
    },
  },
  required: ['error', 'message'],
};
