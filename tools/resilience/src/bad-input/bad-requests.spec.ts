import fc from 'fast-check';
import { incomingEventSchema } from '@pulse/contracts';
import { BODY_LIMIT, badRequest, render, type BadRequest } from './bad-requests';

const sample = fc.sample(badRequest, { numRuns: 1_500, seed: 7 });
const ofKind = (kind: string) => sample.filter((request) => request.kind === kind);
const text = (request: BadRequest) => ('bytes' in request ? Buffer.from(request.bytes).toString('utf8') : '');
const validEvent = (() => {
  let n = 0;
  return () => {
    n += 1;
    return { id: `ok-${n}`, json: JSON.stringify({ id: `ok-${n}` }) };
  };
})();

/** Whether ingestion's contract would take this JSON text as an event (ignoring size limits). */
function wouldValidate(json: string): boolean {
  try {
    return incomingEventSchema.safeParse(JSON.parse(json)).success;
  } catch {
    return false;
  }
}

describe('the bad-request generator', () => {
  it('covers every kind, on both endpoints', () => {
    const kinds = new Set(sample.map((request) => request.kind));
    expect([...kinds].sort()).toEqual(
      [
        'JSON array mixing valid and malformed',
        'NDJSON mixing valid and malformed',
        'NDJSON of malformed lines',
        'bad values',
        'batch of malformed events',
        'deep data',
        'deep text',
        'empty or not a list',
        'invalid UTF-8',
        'many keys',
        'missing attribute',
        'not JSON',
        'not an object',
        'over-long field',
        'oversized body',
        'oversized event',
        'prototype keys',
        'too many events',
        'truncated JSON',
        'wrong content type',
        'wrong types',
      ].sort(),
    );
    expect(new Set(sample.map((request) => request.endpoint)).size).toBe(2);
  });

  it('makes malformed events the contract refuses (not ones it would take by chance)', () => {
    for (const kind of ['wrong types', 'missing attribute', 'over-long field', 'not an object']) {
      expect(ofKind(kind).length).toBeGreaterThan(10);
      for (const request of ofKind(kind)) expect(wouldValidate(text(request))).toBe(false);
    }
    // Or ingestion does: an event time a day ahead is past PULSE_EVENT_MAX_FUTURE (5 min).
    const aDayAhead = (request: BadRequest) =>
      Date.parse((JSON.parse(text(request)) as { time: string }).time) > Date.now() + 3_600_000;
    for (const request of ofKind('bad values')) {
      expect(wouldValidate(text(request)) === false || aDayAhead(request)).toBe(true);
    }
  });

  it('makes bodies that are really too big, too deep, or not UTF-8', () => {
    for (const request of ofKind('oversized body')) expect(text(request).length).toBeGreaterThan(BODY_LIMIT);
    for (const request of ofKind('deep text'))
      expect(text(request).match(/[[{]/g)?.length).toBeGreaterThan(32);
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (const request of ofKind('invalid UTF-8')) {
      expect(() => strict.decode((request as { bytes: Uint8Array }).bytes)).toThrow();
    }
    for (const request of ofKind('prototype keys'))
      expect(text(request)).toMatch(/"__proto__"|"constructor":\{"prototype"/);
  });

  it('puts prototype-poisoning keys among valid events, in NDJSON and in JSON arrays', () => {
    const poisonedAmongValid = (mixed: string) =>
      sample.filter(
        (request) =>
          'mixed' in request &&
          request.mixed === mixed &&
          request.slots.some((slot) => !slot.valid && /"(__proto__|constructor)":/.test(slot.json)),
      ).length;
    expect(poisonedAmongValid('ndjson')).toBeGreaterThan(0);
    expect(poisonedAmongValid('json-array')).toBeGreaterThan(0);
  });

  it('renders a mixed batch with fresh valid events exactly where the valid slots are', () => {
    const mixed = sample.filter((request) => 'slots' in request);
    expect(mixed.length).toBeGreaterThan(50);
    for (const request of mixed) {
      const rendered = render(request, validEvent);
      const body = Buffer.from(rendered.body).toString('utf8');
      const items =
        'mixed' in request && request.mixed === 'ndjson'
          ? body.split('\n').filter((line) => line.trim() !== '')
          : (JSON.parse(body) as unknown[]).map((item) => JSON.stringify(item));
      expect(items).toHaveLength('slots' in request ? request.slots.length : 0);
      rendered.validIndexes.forEach((index, position) => {
        expect(JSON.parse(items[index]!)).toEqual({ id: rendered.validIds[position] });
      });
    }
  });
});
