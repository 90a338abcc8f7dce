import fc from 'fast-check';
import { EventType } from '@pulse/contracts';

export type Endpoint = '/v1/events' | '/v1/events/batch';

/** One element of a batch that mixes valid events with malformed ones. */
export type BatchSlot = { readonly valid: true } | { readonly valid: false; readonly json: string };

/**
 * A request the ingestion API must survive. `bytes`: sent as is, and nothing in it may be
 * accepted. `mixed`: a batch whose valid slots are filled with fresh valid events when it is
 * sent — exactly those must be accepted, the others rejected one by one.
 */
export type BadRequest = {
  readonly kind: string;
  readonly endpoint: Endpoint;
  readonly contentType: string | undefined;
} & (
  | { readonly bytes: Uint8Array }
  | { readonly mixed: 'ndjson' | 'json-array'; readonly slots: readonly BatchSlot[] }
);

/** A rendered request: the bytes and, for a mixed batch, where its valid events are. */
export interface RenderedRequest {
  body: Uint8Array;
  validIds: string[];
  /** Index of each valid event in the batch (the API's `accepted[].index`). */
  validIndexes: number[];
}

/** Largest request body ingestion accepts by default (PULSE_BATCH_MAX_BYTES). */
export const BODY_LIMIT = 1_048_576;
/** Largest single event by default (PULSE_EVENT_MAX_BYTES). */
const EVENT_LIMIT = 262_144;
/** Most events per batch by default (PULSE_BATCH_MAX_EVENTS). */
const BATCH_LIMIT = 1_000;
/** Ingestion refuses events nested deeper than this (services/ingestion prepare-event.ts). */
const NESTING_LIMIT = 32;

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** A valid event of each type, as templates to break. */
function templates(id: string): Record<string, unknown>[] {
  const base = { specversion: '1.0', id, source: '/resilience/bad-input', time: new Date(0).toISOString() };
  return [
    { ...base, type: EventType.ProductViewed, customerid: 'c-00001', data: { productId: 'p-0001' } },
    {
      ...base,
      type: EventType.CartItemAdded,
      customerid: 'c-00001',
      data: { productId: 'p-0002', quantity: 2 },
    },
    {
      ...base,
      type: EventType.OrderPlaced,
      customerid: 'c-00001',
      data: {
        orderId: 'o-1',
        currency: 'USD',
        lines: [{ productId: 'p-0003', quantity: 1, unitPrice: 9.99 }],
      },
    },
    { ...base, type: EventType.InventoryLevelChanged, data: { productId: 'p-0004', stock: 3 } },
  ];
}

/** A template that must never be accepted: its id marks it (checked against events.raw). */
const template = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.nat())
  .map(([index, n]) => templates(`must-not-land-${n}`)[index] as Record<string, unknown>);

/** Anything but a string. */
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }),
);
/** Anything but an object (arrays are not objects to the contract either). */
const notAnObject = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
);
/** Anything but a positive whole number. */
const notAQuantity = fc.oneof(
  fc.integer({ max: 0 }),
  fc.double({ noInteger: true, noNaN: true }),
  fc.string({ maxLength: 6 }),
  fc.constant(null),
  fc.boolean(),
);

/** Required attributes given a value of the wrong type. */
const wrongTypes = fc
  .tuple(template, fc.constantFrom('source', 'time', 'type', 'specversion'), notAString)
  .map(([event, field, value]) => ({ ...event, [field]: value }))
  .chain((event) =>
    fc.oneof(
      fc.constant(event),
      notAnObject.map((data) => ({ ...event, data })),
      notAString.map((productId) => ({ ...event, data: { ...(event.data as object), productId } })),
      notAQuantity.map((quantity) => ({
        ...event,
        type: EventType.CartItemAdded,
        data: { productId: 'p-0001', quantity },
      })),
    ),
  );

/** A required attribute left out. */
const missingField = fc
  .tuple(template, fc.constantFrom('source', 'time', 'type', 'data'))
  .map(([event, field]) => Object.fromEntries(Object.entries(event).filter(([key]) => key !== field)));

/** Values of the right type that the contract refuses. */
const badValues = fc.tuple(template, fc.integer({ min: 0, max: 6 })).map(([event, variant]) => {
  switch (variant) {
    case 0:
      return { ...event, time: 'yesterday at noon' };
    case 1:
      return { ...event, time: '2026-13-45T25:61:00Z' };
    case 2:
      return { ...event, specversion: '2.0' };
    case 3:
      return { ...event, source: '   ' };
    case 4:
      return { ...event, type: 'com.pulse.unknown.v1' };
    case 5:
      return { ...event, time: new Date(Date.now() + 86_400_000).toISOString() };
    default:
      return {
        ...event,
        type: EventType.OrderPlaced,
        customerid: 'c-00001',
        data: { orderId: 'o-2', currency: 'DOLLARS', lines: [] },
      };
  }
});

/** A field longer than the contract allows (id ≤ 256, source ≤ 512). */
const tooLongField = fc
  .tuple(template, fc.constantFrom('id', 'source'), fc.integer({ min: 600, max: 20_000 }))
  .map(([event, field, length]) => ({ ...event, [field]: 'x'.repeat(length) }));

/** An event whose data nests deeper than ingestion allows (but whose text is small). */
const deepData = fc
  .tuple(template, fc.integer({ min: NESTING_LIMIT + 1, max: 400 }))
  .map(([event, depth]) => {
    let nested: unknown = 'bottom';
    for (let level = 0; level < depth; level += 1) nested = { a: nested };
    return { ...event, data: { ...(event.data as object), nested } };
  });

/** JSON values that are not objects at all. */
const nonObject = fc
  .jsonValue({ maxDepth: 3 })
  .filter((value) => value === null || typeof value !== 'object' || Array.isArray(value));

/** A malformed event small enough to sit in a batch next to valid ones (JSON text). */
const smallMalformedEvent: fc.Arbitrary<string> = fc
  .oneof(wrongTypes, missingField, badValues, tooLongField, deepData, nonObject)
  .map((value) => JSON.stringify(value));

/** An event over the size limit: an extra attribute makes it larger than PULSE_EVENT_MAX_BYTES. */
const oversizedEvent = fc
  .tuple(template, fc.integer({ min: EVENT_LIMIT + 1, max: 600_000 }))
  .map(([event, size]) => JSON.stringify({ ...event, padding: 'p'.repeat(size) }));

/**
 * Tens of thousands of extra attributes (a hash-flooding shape), still under the body limit, on
 * an event that lacks a required attribute (so it is invalid whatever its size).
 */
const manyKeys = fc.tuple(missingField, fc.integer({ min: 5_000, max: 60_000 })).map(([event, count]) => {
  const keys = Array.from({ length: count }, (_, index) => `"k${index}":${index}`).join(',');
  return `${JSON.stringify(event).slice(0, -1)},${keys}}`;
});

/** Prototype-poisoning keys at the root, in data or in an order line. */
const poisoned = fc
  .tuple(
    template,
    fc.constantFrom(
      '"__proto__":{"polluted":true}',
      '"constructor":{"prototype":{"polluted":true}}',
      '"__proto__":null',
      '"__proto__":[1,2]',
    ),
    fc.constantFrom('root', 'data', 'deep'),
  )
  .map(([event, key, where]) => {
    const text = JSON.stringify(event);
    if (where === 'root') return `{${key},${text.slice(1)}`;
    const at = text.indexOf('"data":{') + '"data":{'.length;
    const inner = where === 'data' ? key : `"x":{"y":{${key}}}`;
    return `${text.slice(0, at)}${inner},${text.slice(at)}`;
  });

/** Byte sequences that are not UTF-8. */
const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0xfe, 0xff],
  [0xc3, 0x28],
  [0xe2, 0x28, 0xa1],
  [0xed, 0xa0, 0x80], // an encoded UTF-16 surrogate
  [0xc0, 0xaf], // overlong '/'
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xe2, 0x82], // truncated
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
);

const notUtf8 = fc
  .tuple(template, invalidUtf8, fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([event, sequence, position]) => {
    const text = Buffer.from(JSON.stringify(event), 'utf8');
    const at = Math.floor(position * text.length);
    return new Uint8Array(Buffer.concat([text.subarray(0, at), Buffer.from(sequence), text.subarray(at)]));
  });

/** Nesting in the text itself, balanced or not, far deeper than any parser's recursion. */
const deepText = fc
  .tuple(fc.integer({ min: NESTING_LIMIT + 1, max: 250_000 }), fc.constantFrom('array', 'object', 'open'))
  .map(([depth, shape]) => {
    if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
    if (shape === 'object')
      return '{"a":'.repeat(Math.min(depth, 150_000)) + '1' + '}'.repeat(Math.min(depth, 150_000));
    return '[{"a":'.repeat(Math.min(depth, 100_000));
  });

const truncatedJson = fc.tuple(template, fc.double({ min: 0, max: 1, noNaN: true })).map(([event, share]) => {
  const text = JSON.stringify(event);
  return text.slice(0, Math.floor(share * (text.length - 1)));
});

/** Not JSON at all: any text (lone surrogates included), or any bytes. */
const notJson = fc.oneof(
  fc.string({ maxLength: 2_000, unit: 'binary', size: 'medium' }).map(utf8),
  fc.uint8Array({ maxLength: 4_096, size: 'medium' }),
);

/** Bodies larger than PULSE_BATCH_MAX_BYTES. */
const oversizedBody = fc
  .integer({ min: BODY_LIMIT + 1, max: 2 * BODY_LIMIT })
  .map((size) => utf8(`[${JSON.stringify('b'.repeat(size))}]`));

const SINGLE_TYPES = ['application/json', 'application/cloudevents+json', 'application/json; charset=utf-8'];
const BATCH_JSON_TYPES = ['application/json', 'application/cloudevents-batch+json'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson'];
const WRONG_TYPES = [
  undefined,
  '',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/html',
  'application/xml',
  'multipart/form-data; boundary=pulse',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'image/png',
  'application/jsonx',
  'json',
  'application/json-seq',
  `application/${'x'.repeat(4_000)}`,
];

const endpoint = fc.constantFrom<Endpoint>('/v1/events', '/v1/events/batch');

/** A malformed body (as bytes) sent with a content type the endpoint parses. */
const malformedBody: fc.Arbitrary<BadRequest> = fc.oneof(
  ...(
    [
      ['wrong types', wrongTypes.map((value) => utf8(JSON.stringify(value)))],
      ['missing attribute', missingField.map((value) => utf8(JSON.stringify(value)))],
      ['bad values', badValues.map((value) => utf8(JSON.stringify(value)))],
      ['over-long field', tooLongField.map((value) => utf8(JSON.stringify(value)))],
      ['deep data', deepData.map((value) => utf8(JSON.stringify(value)))],
      ['not an object', nonObject.map((value) => utf8(JSON.stringify(value)))],
      ['oversized event', oversizedEvent.map(utf8)],
      ['many keys', manyKeys.map(utf8)],
      ['prototype keys', poisoned.map(utf8)],
      ['invalid UTF-8', notUtf8],
      ['deep text', deepText.map(utf8)],
      ['truncated JSON', truncatedJson.map(utf8)],
      ['not JSON', notJson],
      ['oversized body', oversizedBody],
    ] as const
  ).map(([kind, bytes]) =>
    fc
      .tuple(endpoint, bytes)
      .chain(([path, body]) =>
        fc
          .constantFrom(...(path === '/v1/events' ? SINGLE_TYPES : [...BATCH_JSON_TYPES, ...NDJSON_TYPES]))
          .map((contentType): BadRequest => ({ kind, endpoint: path, contentType, bytes: body })),
      ),
  ),
);

/** Batches whose every element is malformed, as a JSON array or NDJSON lines (the API must refuse each). */
const malformedBatch: fc.Arbitrary<BadRequest> = fc.oneof(
  fc.array(smallMalformedEvent, { minLength: 1, maxLength: 20 }).chain((lines) =>
    fc.constantFrom(...BATCH_JSON_TYPES).map((contentType): BadRequest => ({
      kind: 'batch of malformed events',
      endpoint: '/v1/events/batch',
      contentType,
      bytes: utf8(`[${lines.join(',')}]`),
    })),
  ),
  fc
    .array(fc.oneof(smallMalformedEvent, poisoned, ndjsonGarbageLine()), { minLength: 1, maxLength: 20 })
    .chain((lines) =>
      fc.constantFrom(...NDJSON_TYPES).map((contentType): BadRequest => ({
        kind: 'NDJSON of malformed lines',
        endpoint: '/v1/events/batch',
        contentType,
        bytes: utf8(lines.join('\n')),
      })),
    ),
  fc.integer({ min: BATCH_LIMIT + 1, max: BATCH_LIMIT + 200 }).map((count): BadRequest => ({
    kind: 'too many events',
    endpoint: '/v1/events/batch',
    contentType: 'application/x-ndjson',
    bytes: utf8('{}\n'.repeat(count)),
  })),
  fc.constantFrom('[]', '\n\n', '   ', '{}', '"events"').map((text): BadRequest => ({
    kind: 'empty or not a list',
    endpoint: '/v1/events/batch',
    contentType: text.startsWith('[') ? 'application/json' : 'application/x-ndjson',
    bytes: utf8(text),
  })),
);

/** A valid event (and a valid batch) sent with a content type the endpoint does not take. */
const wrongContentType: fc.Arbitrary<BadRequest> = fc
  .tuple(endpoint, template, fc.constantFrom(...WRONG_TYPES))
  .map(([path, event, contentType]) => ({
    kind: 'wrong content type',
    endpoint: path,
    contentType:
      contentType === 'json' && path === '/v1/events/batch' ? 'application/cloudevents+json' : contentType,
    bytes: utf8(path === '/v1/events' ? JSON.stringify(event) : `[${JSON.stringify(event)}]`),
  }));

/** A line NDJSON must reject on its own: not JSON, one line, not blank. */
function ndjsonGarbageLine(): fc.Arbitrary<string> {
  return fc
    .string({ minLength: 1, maxLength: 200, unit: 'grapheme' })
    .filter((line) => !line.includes('\n') && line.trim() !== '')
    .map((line) => line.replace(/\r/g, ''))
    .filter((line) => line.trim() !== '');
}

/** Valid events mixed with malformed ones: the valid ones must be accepted, each other one rejected. */
const mixedBatch: fc.Arbitrary<BadRequest> = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constant<BatchSlot>({ valid: true }),
        fc
          .oneof(smallMalformedEvent, poisoned, ndjsonGarbageLine())
          .map((json): BatchSlot => ({ valid: false, json })),
      ),
      { minLength: 2, maxLength: 12 },
    )
    .filter((slots) => slots.some((slot) => slot.valid) && slots.some((slot) => !slot.valid))
    .chain((slots) =>
      fc.constantFrom(...NDJSON_TYPES).map((contentType): BadRequest => ({
        kind: 'NDJSON mixing valid and malformed',
        endpoint: '/v1/events/batch',
        contentType,
        mixed: 'ndjson',
        slots,
      })),
    ),
  fc
    .array(
      fc.oneof(
        fc.constant<BatchSlot>({ valid: true }),
        // A poisoned element is refused on its own in an array too, not with the whole body.
        fc.oneof(smallMalformedEvent, poisoned).map((json): BatchSlot => ({ valid: false, json })),
      ),
      { minLength: 2, maxLength: 12 },
    )
    .filter((slots) => slots.some((slot) => slot.valid) && slots.some((slot) => !slot.valid))
    .chain((slots) =>
      fc.constantFrom(...BATCH_JSON_TYPES).map((contentType): BadRequest => ({
        kind: 'JSON array mixing valid and malformed',
        endpoint: '/v1/events/batch',
        contentType,
        mixed: 'json-array',
        slots,
      })),
    ),
);

/** Every kind of bad request, with valid events alongside in about one request in eight. */
export const badRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  { arbitrary: malformedBody, weight: 10 },
  { arbitrary: malformedBatch, weight: 3 },
  { arbitrary: wrongContentType, weight: 2 },
  { arbitrary: mixedBatch, weight: 2 },
);

/** The request's bytes; a mixed batch gets a fresh valid event in each valid slot. */
export function render(request: BadRequest, validEvent: () => { id: string; json: string }): RenderedRequest {
  if ('bytes' in request) return { body: request.bytes, validIds: [], validIndexes: [] };
  const validIds: string[] = [];
  const validIndexes: number[] = [];
  const parts = request.slots.map((slot, index) => {
    if (!slot.valid) return slot.json;
    const event = validEvent();
    validIds.push(event.id);
    validIndexes.push(index);
    return event.json;
  });
  const text = request.mixed === 'ndjson' ? `${parts.join('\n')}\n` : `[${parts.join(',')}]`;
  return { body: utf8(text), validIds, validIndexes };
}
