import { z } from 'zod';
import { enrichedOrder } from '../examples/enriched-events';
import { INVALID_EVENTS } from '../examples/invalid-events';
import { VALID_EVENTS, orderPlacedMinimal } from '../examples/valid-events';
import { pulseEventSchema } from './envelope';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  decodeEnrichedEvent,
  decodeJsonWith,
  decodePulseEvent,
  encodeEvent,
  EVENT_HEADER,
  eventHeaders,
  eventIdOf,
  eventTypeOf,
} from './kafka-codec';
import { ContractViolation } from './validation';

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

function violationOf(decode: () => unknown): ContractViolation {
  try {
    decode();
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw new Error(`expected a ContractViolation, got ${String(error)}`);
  }
  throw new Error('expected a ContractViolation, but decoding succeeded');
}

describe('Kafka codec', () => {
  it.each(VALID_EVENTS.map((example) => [example.name, example] as const))(
    'round-trips %s through encode and decode',
    (_name, example) => {
      const event = pulseEventSchema.parse(example.event);
      const encoded = encodeEvent(event);
      expect(Buffer.isBuffer(encoded)).toBe(true);
      expect(decodePulseEvent(encoded)).toEqual(event);
    },
  );

  it('round-trips an enriched event', () => {
    const event = decodeEnrichedEvent(bytes(enrichedOrder));
    expect(decodeEnrichedEvent(encodeEvent(event))).toEqual(event);
    expect(event.enrichment.geo.region).toBe('europe');
  });

  it('normalises while decoding', () => {
    const event = decodePulseEvent(
      bytes({ ...orderPlacedMinimal, data: { ...orderPlacedMinimal.data, currency: 'eur' } }),
    );
    expect(event.data).toMatchObject({ currency: 'EUR' });
  });

  it('builds structured-mode CloudEvents headers, with no binary-mode ce_ attribute headers', () => {
    const headers = eventHeaders({ id: 'evt-1', type: 'com.pulse.order.placed.v1' });
    expect(headers).toEqual({
      'content-type': CLOUDEVENTS_CONTENT_TYPE,
      'pulse-event-type': 'com.pulse.order.placed.v1',
      'pulse-event-id': 'evt-1',
    });
    expect(Object.keys(headers).filter((name) => name.startsWith('ce_'))).toEqual([]);
    expect(CLOUDEVENTS_CONTENT_TYPE).toBe('application/cloudevents+json; charset=UTF-8');
  });

  it('reads the event id and type from the headers it writes and from the names of earlier versions', () => {
    const written = eventHeaders({ id: 'evt-1', type: 'com.pulse.order.placed.v1' });
    expect([eventIdOf(written), eventTypeOf(written)]).toEqual(['evt-1', 'com.pulse.order.placed.v1']);
    const legacy = {
      'content-type': CLOUDEVENTS_CONTENT_TYPE,
      ce_id: 'evt-0',
      ce_type: 'com.pulse.order.placed.v1',
    };
    expect([eventIdOf(legacy), eventTypeOf(legacy)]).toEqual(['evt-0', 'com.pulse.order.placed.v1']);
    // Both present (a record re-driven through a newer version): the current name wins.
    expect(eventIdOf({ ...legacy, ...written })).toBe('evt-1');
    expect([eventIdOf({}), eventTypeOf({})]).toEqual([undefined, undefined]);
    expect(EVENT_HEADER).toEqual({ type: 'pulse-event-type', id: 'pulse-event-id' });
  });

  it('rejects bytes that are not JSON at the root path', () => {
    const violation = violationOf(() => decodePulseEvent(Buffer.from('{"id": ')));
    expect(violation.name).toBe('ContractViolation');
    expect(violation.issues).toHaveLength(1);
    expect(violation.issues[0]!.path).toBe('(root)');
    expect(violation.issues[0]!.message).toMatch(/^not valid JSON: /);
    expect(violation.message).toMatch(/^invalid event: \(root\): not valid JSON: /);
  });

  it.each([
    ['null', null],
    ['empty', Buffer.alloc(0)],
  ])('rejects a %s value (a tombstone) at the root path', (_name, value) => {
    const violation = violationOf(() => decodePulseEvent(value));
    expect(violation.issues).toEqual([{ path: '(root)', message: 'message has no value' }]);
    expect(violation.message).toBe('invalid event: (root): message has no value');
  });

  it.each(INVALID_EVENTS.map((example) => [example.name, example] as const))(
    'rejects %s with the same issues as the schema',
    (_name, example) => {
      expect(violationOf(() => decodePulseEvent(bytes(example.event))).issues).toEqual(example.issues);
    },
  );

  it('names every issue in the error message', () => {
    const bad = { ...orderPlacedMinimal, time: 'soon', data: { ...orderPlacedMinimal.data, currency: 'E' } };
    expect(violationOf(() => decodePulseEvent(bytes(bad))).message).toBe(
      'invalid event: time: must be an RFC 3339 timestamp with a time zone; data.currency: must be an ISO 4217 code such as USD',
    );
  });

  it('tells an enriched event decoding failure apart from a raw one', () => {
    const violation = violationOf(() => decodeEnrichedEvent(bytes(orderPlacedMinimal)));
    expect(violation.message).toMatch(/^invalid enriched event: enrichmentstatus: /);
  });

  it('decodes any schema with decodeJsonWith', () => {
    const schema = z.object({ n: z.number() });
    expect(decodeJsonWith(schema, bytes({ n: 1 }), 'invalid thing')).toEqual({ n: 1 });
    expect(violationOf(() => decodeJsonWith(schema, bytes({ n: 'x' }), 'invalid thing')).message).toBe(
      'invalid thing: n: Invalid input: expected number, received string',
    );
  });
});
