import { INVALID_EVENTS } from '../examples/invalid-events';
import {
  VALID_EVENTS,
  inventoryLevelChanged,
  orderPlacedMinimal,
  orderPlacedWithExtensions,
  productViewedAnonymous,
} from '../examples/valid-events';
import { EventType } from './event-types';
import { incomingEventSchema, partitionKeyOf, pulseEventSchema, type PulseEvent } from './envelope';
import { safeParseWith } from './validation';

function parse(input: unknown): PulseEvent {
  const result = safeParseWith(pulseEventSchema, input);
  if (!result.ok) throw new Error(`expected a valid event, got ${JSON.stringify(result.issues)}`);
  return result.value;
}

describe('pulseEventSchema', () => {
  it.each(VALID_EVENTS.map((example) => [example.name, example] as const))('accepts %s', (_name, example) => {
    const result = safeParseWith(pulseEventSchema, example.event);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ type: example.event['type'] }) });
  });

  it.each(INVALID_EVENTS.map((example) => [example.name, example] as const))(
    'rejects %s',
    (_name, example) => {
      expect(safeParseWith(pulseEventSchema, example.event)).toEqual({ ok: false, issues: example.issues });
    },
  );

  it('normalises: trims identifiers and upper-cases currency and country', () => {
    const event = parse(orderPlacedWithExtensions);
    if (event.type !== EventType.OrderPlaced) throw new Error('expected an order');
    expect(event.id).toBe('evt-order-0002');
    expect(event.source).toBe('/shop/mobile');
    expect(event.customerid).toBe('cust-7');
    expect(event.country).toBe('DE');
    expect(event.data.currency).toBe('USD');
  });

  it('keeps unknown extra fields at every level', () => {
    const event = parse(orderPlacedWithExtensions) as PulseEvent & Record<string, unknown>;
    expect(event['campaign']).toEqual({ utm: 'winter-sale' });
    expect((event.data as Record<string, unknown>)['coupon']).toBe('WINTER10');
    expect((event.data as { lines: Record<string, unknown>[] }).lines[0]).toEqual({
      productId: 'sku-1',
      quantity: 2,
      unitPrice: 19.99,
      giftWrap: true,
    });
    expect((parse(productViewedAnonymous).data as Record<string, unknown>)['referrer']).toBe('search');
  });

  it('keeps the extension attributes and the time exactly as sent', () => {
    const event = parse(orderPlacedWithExtensions);
    expect(event).toMatchObject({
      time: '2026-11-24T12:15:30.123+02:00',
      subject: 'order-9002',
      sessionid: 'sess-abc',
      clientip: '2001:db8::1',
      ingestedat: '2026-11-24T10:15:31.004Z',
    });
  });

  it('defaults datacontenttype to application/json and rejects any other', () => {
    expect(parse(orderPlacedMinimal).datacontenttype).toBe('application/json');
    expect(safeParseWith(pulseEventSchema, { ...orderPlacedMinimal, datacontenttype: 'text/plain' })).toEqual(
      {
        ok: false,
        issues: [{ path: 'datacontenttype', message: 'Invalid input: expected "application/json"' }],
      },
    );
  });

  it('accepts an order line with a unit price of 0 and stock of 0', () => {
    expect(parse(orderPlacedWithExtensions).data).toMatchObject({ lines: [{}, { unitPrice: 0 }] });
    expect(parse(inventoryLevelChanged).data).toMatchObject({ stock: 0 });
  });
});

describe('incomingEventSchema', () => {
  const { specversion: _specversion, ...withoutVersion } = orderPlacedMinimal;

  it('fills in specversion when the client left it out', () => {
    const result = safeParseWith(incomingEventSchema, withoutVersion);
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ specversion: '1.0', id: 'evt-order-0001' }),
    });
  });

  it('still rejects a specversion the client gave wrongly', () => {
    expect(safeParseWith(incomingEventSchema, { ...withoutVersion, specversion: '2.0' })).toEqual({
      ok: false,
      issues: [{ path: 'specversion', message: 'must be "1.0"' }],
    });
  });

  it('validates everything else like pulseEventSchema', () => {
    for (const example of INVALID_EVENTS.filter(
      ({ issues }) => !issues.some(({ path }) => path === 'specversion'),
    )) {
      expect(safeParseWith(incomingEventSchema, example.event)).toEqual({
        ok: false,
        issues: example.issues,
      });
    }
  });

  it('reports a non-object as a problem at the root', () => {
    expect(safeParseWith(incomingEventSchema, 'order')).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: 'Invalid input: expected object, received string' }],
    });
    expect(safeParseWith(incomingEventSchema, null)).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: 'Invalid input: expected object, received null' }],
    });
  });
});

describe('partitionKeyOf', () => {
  it.each(VALID_EVENTS.map((example) => [example.name, example] as const))('keys %s', (_name, example) => {
    expect(partitionKeyOf(parse(example.event))).toBe(example.partitionKey);
  });

  it('prefers the customer over the session, and the session over the product', () => {
    const view = { ...productViewedAnonymous, customerid: 'cust-1', sessionid: 'sess-1' };
    expect(partitionKeyOf(parse(view))).toBe('cust-1');
    expect(partitionKeyOf(parse({ ...view, customerid: undefined }))).toBe('sess-1');
    expect(partitionKeyOf(parse({ ...view, customerid: undefined, sessionid: undefined }))).toBe('sku-3');
  });

  it('keys by the normalised (trimmed) customer id', () => {
    expect(partitionKeyOf(parse({ ...orderPlacedMinimal, customerid: '  cust-42 ' }))).toBe('cust-42');
  });
});
