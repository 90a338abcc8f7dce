import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { alertEventSchema } from '@pulse/contracts';
import { z } from 'zod';
import { createSilenceSchema, silenceSchema } from '../manage-silences/silence';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  const json = z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return json as SchemaObject;
}

export const CREATE_SILENCE_SCHEMA = jsonSchema(createSilenceSchema, 'input');

const SILENCE_VIEW = jsonSchema(silenceSchema.extend({ state: z.enum(['pending', 'active', 'expired']) }));
export const SILENCE_SCHEMA: SchemaObject = SILENCE_VIEW;
export const SILENCE_LIST_SCHEMA: SchemaObject = {
  type: 'object',
  properties: { silences: { type: 'array', items: SILENCE_VIEW } },
  required: ['silences'],
};

export const ACTIVE_ALERTS_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    alerts: {
      type: 'array',
      items: jsonSchema(alertEventSchema.extend({ silencedBy: z.array(z.string()) })),
    },
  },
  required: ['alerts'],
};

export const RULES_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    rules: {
      type: 'array',
      items: {
        type: 'object',
        description: 'A rule as in the rules file, defaults filled in (durations in ms).',
      },
    },
    reload: {
      type: 'object',
      properties: {
        file: { type: 'string' },
        checksum: { type: 'string', nullable: true },
        loadedAt: { type: 'string', nullable: true },
        lastCheckedAt: { type: 'string', nullable: true },
        lastChange: {
          type: 'object',
          nullable: true,
          properties: {
            outcome: { type: 'string', enum: ['loaded', 'rejected'] },
            at: { type: 'string' },
            errors: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
};

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['error', 'message'],
};

/** Every /v1 route: the bearer token and the refusals of the auth hook (api-auth.ts). */
export function ApiTokenAuth(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiResponse({ status: 401, description: 'No token was sent.', schema: ERROR_SCHEMA }),
    ApiResponse({
      status: 403,
      description: 'The token is not valid, or is a read token where a write token is needed.',
      schema: ERROR_SCHEMA,
    }),
  );
}
