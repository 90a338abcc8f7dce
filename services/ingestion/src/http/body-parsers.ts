import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { PoisonedElement, REFUSE_POISONED_KEYS } from '../events/batch-items';
import { ApiError } from './api-error';
import { JSON_BATCH_TYPES, NDJSON_TYPES, SINGLE_EVENT_TYPES } from './media-types';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const KEEP_EVERY_KEY = { protoAction: 'ignore', constructorAction: 'ignore' } as const;
/** What secure-json-parse throws for either key (the pinned version; the specs pin the behaviour). */
const POISONED_KEY_MESSAGE = 'Object contains forbidden prototype property';

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'the body is not valid UTF-8');
  }
}

/**
 * JSON with prototype-poisoning keys (`__proto__`, `constructor.prototype`) refused, as the
 * secure parser Fastify uses does. A body holding one is refused whole, except a JSON array: there
 * each element holding one is replaced by a `PoisonedElement`, so a batch refuses that event alone
 * and keeps its neighbours. The scan runs only when the fast check finds such a key.
 */
function parseJson(text: string): unknown {
  try {
    return secureJson.parse(text, null, REFUSE_POISONED_KEYS);
  } catch (refused) {
    // Only a body refused for such a key is parsed again: one that is not JSON is refused at once.
    if (!(refused instanceof SyntaxError) || refused.message !== POISONED_KEY_MESSAGE) throw refused;
    const value: unknown = secureJson.parse(text, null, KEEP_EVERY_KEY);
    if (!Array.isArray(value)) throw refused;
    return value.map((element: unknown) => poisonIn(element) ?? element);
  }
}

function poisonIn(element: unknown): PoisonedElement | undefined {
  if (element === null || typeof element !== 'object') return undefined;
  try {
    secureJson.scan(element, REFUSE_POISONED_KEYS);
    return undefined;
  } catch (error) {
    return new PoisonedElement((error as Error).message);
  }
}

/**
 * JSON like Fastify's own parser (prototype-poisoning keys refused, see `parseJson`), but
 * answering with the reason the body is not JSON, and refusing bytes that are not UTF-8 instead
 * of replacing them.
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
    done(null, parseJson(decodeUtf8(body)));
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
