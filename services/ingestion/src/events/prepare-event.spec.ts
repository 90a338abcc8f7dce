import { EventType } from '@pulse/contracts';
import { EventPreparer, MAX_NESTING_DEPTH, nestsDeeperThan } from './prepare-event';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');

function order(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: 'web-shop',
    type: EventType.OrderPlaced,
    time: '2026-11-24T11:59:00Z',
    customerid: 'c-1',
    data: { orderId: 'o-1', currency: 'usd', lines: [{ productId: 'p-1', quantity: 2, unitPrice: 9.5 }] },
    ...overrides,
  };
}

describe('EventPreparer', () => {
  const preparer = new EventPreparer({
    maxFutureMs: 15 * 60_000,
    maxEventBytes: 4096,
    now: () => NOW,
  });

  it('accepts a valid event, normalises it and stamps the ingestion time', () => {
    const result = preparer.prepare(order({ customerid: '  c-1  ', country: ' de ', source: ' web-shop ' }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      id: 'evt-1',
      customerid: 'c-1',
      country: 'DE',
      source: 'web-shop',
      datacontenttype: 'application/json',
      ingestedat: '2026-11-24T12:00:00.000Z',
    });
    expect(result.event.type === EventType.OrderPlaced && result.event.data.currency).toBe('USD');
  });

  it('fills in a missing id and specversion', () => {
    const input = order();
    delete input.id;
    delete input.specversion;
    const result = preparer.prepare(input);
    expect(result).toMatchObject({ ok: true, event: { specversion: '1.0' } });
    expect(result.ok && result.event.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(input.id).toBeUndefined();
  });

  it('gives an event sent again without an id the same id, so a retry after a 503 counts once', () => {
    const withoutId = (overrides: Record<string, unknown> = {}) => {
      const input = order(overrides);
      delete input.id;
      return input;
    };
    const idOf = (prepared: ReturnType<EventPreparer['prepare']>) => (prepared.ok ? prepared.event.id : null);
    const first = idOf(preparer.prepare(withoutId()));
    // The retry arrives later, so its ingestion time differs; key order and spacing may differ too.
    const later = new EventPreparer({
      maxFutureMs: 15 * 60_000,
      maxEventBytes: 4096,
      now: () => NOW + 30_000,
    });
    const { data, ...rest } = withoutId({ customerid: ' c-1 ' });
    expect(idOf(later.prepare({ data, ...rest }))).toBe(first);
    // A different event is a different id, down to one field.
    expect(idOf(preparer.prepare(withoutId({ time: '2026-11-24T11:59:01Z' })))).not.toBe(first);
    expect(idOf(preparer.prepare(withoutId({ customerid: 'c-2' })))).not.toBe(first);
  });

  it('overrides an ingestedat the client sent: it is ours to stamp', () => {
    const result = preparer.prepare(order({ ingestedat: '2020-01-01T00:00:00Z' }));
    expect(result).toMatchObject({ ok: true, event: { ingestedat: '2026-11-24T12:00:00.000Z' } });
  });

  it('keeps unknown extra attributes', () => {
    const result = preparer.prepare(order({ campaign: 'black-friday' }));
    expect(result).toMatchObject({ ok: true, event: { campaign: 'black-friday' } });
  });

  it.each([
    [
      'a line quantity of 0',
      order({
        data: { orderId: 'o', currency: 'USD', lines: [{ productId: 'p', quantity: 0, unitPrice: 1 }] },
      }),
      'data.lines[0].quantity',
    ],
    [
      'a bad currency',
      order({
        data: { orderId: 'o', currency: 'dollars', lines: [{ productId: 'p', quantity: 1, unitPrice: 1 }] },
      }),
      'data.currency',
    ],
    ['an order without a customer', order({ customerid: undefined }), 'customerid'],
    ['a time without a zone', order({ time: '2026-11-24T11:59:00' }), 'time'],
    ['an unknown type', order({ type: 'com.example.unknown' }), 'type'],
    ['an empty id', order({ id: '   ' }), 'id'],
    ['a bad IP', order({ clientip: '999.1.1.1' }), 'clientip'],
  ])('rejects %s with the path', (_label, input, path) => {
    const result = preparer.prepare(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toContain(path);
  });

  it('rejects an event time Kafka would refuse: too far ahead or before 1970', () => {
    expect(preparer.prepare(order({ time: '2026-11-24T12:16:00Z' }))).toEqual({
      ok: false,
      issues: [{ path: 'time', message: 'must not be more than 15m in the future' }],
    });
    expect(preparer.prepare(order({ time: '2026-11-24T12:14:00Z' })).ok).toBe(true);
    expect(preparer.prepare(order({ time: '1969-12-31T23:59:59Z' }))).toEqual({
      ok: false,
      issues: [{ path: 'time', message: 'must not be before 1970-01-01T00:00:00Z' }],
    });
  });

  it('returns the encoded bytes that go to Kafka', () => {
    const result = preparer.prepare(order());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.parse(result.value.toString('utf8'))).toEqual(result.event);
  });

  it('rejects an event larger than the byte limit', () => {
    const result = preparer.prepare(order({ note: 'x'.repeat(5000) }));
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: '(root)', message: expect.stringMatching(/^must be at most 4096 bytes as JSON \(is \d+\)$/) },
      ],
    });
  });

  it('rejects nesting deeper than the limit, however deep, without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) deep = { a: deep };
    expect(preparer.prepare(order({ extra: deep }))).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: `must not nest more than ${MAX_NESTING_DEPTH} levels deep` }],
    });
    let fine: unknown = 1;
    for (let i = 0; i < 20; i += 1) fine = [fine];
    expect(preparer.prepare(order({ extra: fine })).ok).toBe(true);
  });

  it.each([null, 42, 'text', [order()], true])('rejects a body that is not an object (%p)', (input) => {
    const result = preparer.prepare(input);
    expect(result.ok).toBe(false);
  });
});

describe('nestsDeeperThan', () => {
  it.each([
    [1, 0, false],
    [{}, 1, false],
    [{}, 0, true],
    [{ a: { b: [1] } }, 3, false],
    [{ a: { b: [1] } }, 2, true],
    [[[], [[]]], 3, false],
    [[[], [[]]], 2, true],
  ])('%j deeper than %d: %s', (value, limit, expected) => {
    expect(nestsDeeperThan(value, limit)).toBe(expected);
  });
});
