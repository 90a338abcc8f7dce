import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { ApiError } from './api-error';
import { JSON_BATCH_TYPES, NDJSON_TYPES, SINGLE_EVENT_TYPES } from './media-types';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'the body is not valid UTF-8');
  }
}

/**
 * JSON like Fastify's own parser (prototype-poisoning keys refused), but answering with the
 * reason the body is not JSON, and refusing bytes that are not UTF-8 instead of replacing them.
 */
export function parseJsonBody(
  _request: FastifyRequest,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  if (body.length === 0) {
    done(new ApiError(400, 'empty_body', 'the body is empty: send a JSON event (or an array of them)'));
    return;
  }
  try {
    done(
      null,
      secureJson.parse(decodeUtf8(body), null, {
        protoAction: 'error',
        constructorAction: 'error',
      }) as unknown,
    );
  } catch (error) {
    done(
      error instanceof ApiError
        ? error
        : new ApiError(400, 'malformed_json', `the body is not valid JSON: ${(error as Error).message}`),
    );
  }
}

/** NDJSON stays text here: each line is parsed on its own, so one bad line rejects only itself. */
export function parseNdjsonBody(
  _request: FastifyRequest,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  try {
    done(null, decodeUtf8(body));
  } catch (error) {
    done(error as Error);
  }
}

export function registerBodyParsers(app: NestFastifyApplication, bodyLimit: number): void {
  const jsonTypes = [...new Set<string>([...SINGLE_EVENT_TYPES, ...JSON_BATCH_TYPES])];
  app.useBodyParser(jsonTypes, { bodyLimit }, parseJsonBody);
  app.useBodyParser([...NDJSON_TYPES], { bodyLimit }, parseNdjsonBody);
}
