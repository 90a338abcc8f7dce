import { ContractViolation, decodeEnrichedEvent, EventType } from '@pulse/contracts';
import { PoisonMessageError, type ConsumedMessage } from '@pulse/kafka';
import { productEntry, type ReferenceLookup } from '../reference/reference-entries';
import { Enricher } from './enricher';
import { EnrichmentHandler, MAX_FUTURE_MS } from './enrichment-handler';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');

const lookup: ReferenceLookup = {
  product: (id) =>
    id === 'p-1'
      ? productEntry({ id, name: 'Mug', category: 'kitchen', price: 1, currency: 'USD', tags: [], stock: 1 })
      : undefined,
  customer: () => undefined,
};

function message(value: string | null, headers: Record<string, string> = {}): ConsumedMessage {
  return {
    topic: 'events.raw',
    partition: 0,
    offset: '7',
    key: Buffer.from('c-1'),
    value: value === null ? null : Buffer.from(value),
    headers,
    timestamp: NOW,
  };
}

function raw(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    specversion: '1.0',
    id: 'e-1',
    source: 'web',
    type: EventType.ProductViewed,
    time: '2026-11-24T11:59:00.000Z',
    datacontenttype: 'application/json',
    customerid: 'c-1',
    country: 'DE',
    data: { productId: 'p-1' },
    ...overrides,
  });
}

describe('EnrichmentHandler', () => {
  const handler = new EnrichmentHandler(
    new Enricher(lookup, () => null),
    'events.enriched',
    undefined,
    () => NOW,
  );

  it('produces the enriched event keyed like the raw one, timestamped with the event time', () => {
    const [record, ...rest] = handler.handle(message(raw()));
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      topic: 'events.enriched',
      key: 'c-1',
      timestamp: Date.parse('2026-11-24T11:59:00.000Z'),
      headers: {
        'pulse-event-id': 'e-1',
        'pulse-event-type': EventType.ProductViewed,
        'content-type': expect.stringContaining('cloudevents'),
      },
    });
    const enriched = decodeEnrichedEvent(record!.value as Buffer);
    expect(enriched.enrichment).toMatchObject({
      status: 'partial',
      missing: ['customer'],
      products: [{ name: 'Mug' }],
      geo: { country: 'DE', region: 'europe', source: 'event' },
    });
  });

  it.each([
    ['not JSON', '{"id": '],
    ['JSON but not an event', '{"hello": "world"}'],
    ['an empty value', null],
  ])('refuses %s as a contract violation (poison: the runner dead-letters it at once)', (_label, value) => {
    expect(() => handler.handle(message(value))).toThrow(ContractViolation);
  });

  it('dead-letters an event whose time Kafka would refuse as a record timestamp', () => {
    const ahead = new Date(NOW + MAX_FUTURE_MS + 1000).toISOString();
    expect(() => handler.handle(message(raw({ time: ahead })))).toThrow(PoisonMessageError);
    expect(() => handler.handle(message(raw({ time: '1960-01-01T00:00:00Z' })))).toThrow(
      /outside what Kafka accepts/,
    );
    expect(
      handler.handle(message(raw({ time: new Date(NOW + MAX_FUTURE_MS - 1000).toISOString() }))),
    ).toHaveLength(1);
  });
});
