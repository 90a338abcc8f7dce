import type { Consumer, Producer } from 'kafkajs';
import { loadConfig } from '@pulse/config';
import {
  EventType,
  decodeEnrichedEvent,
  encodeEvent,
  eventHeaders,
  partitionKeyOf,
  type Customer,
  type EnrichedEvent,
  type Product,
  type PulseEvent,
} from '@pulse/contracts';
import { DLQ_HEADER, readDeadLetter, toConsumedMessage, type ConsumedMessage } from '@pulse/kafka';
import { createService, type RunningService } from '@pulse/observability';
import { createTestTopics, uniqueName, waitFor, type TestTopics } from '@pulse/testing';
import { schema } from './config';
import { enrichmentServiceOptions } from './service';

const PRODUCTS: Product[] = [
  { id: 'p-1', name: 'Mug', category: 'kitchen', price: 9.99, currency: 'USD', tags: ['ceramic'], stock: 5 },
  { id: 'p-2', name: 'Kettle', category: 'kitchen', price: 39.99, currency: 'USD', tags: [], stock: 2 },
];
const CUSTOMERS: Customer[] = [
  { id: 'c-1', segment: 'vip', signupTime: '2025-11-24T00:00:00Z', country: 'JP' },
  { id: 'c-2', segment: 'regular', signupTime: '2026-01-01T00:00:00Z', country: 'BR' },
];

interface ReadinessBody {
  checks: Record<string, { ok: boolean; detail: Record<string, unknown> }>;
}

let sequence = 0;
function rawEvent(
  type: EventType,
  fields: Record<string, unknown>,
  data: Record<string, unknown>,
): PulseEvent {
  sequence += 1;
  return {
    specversion: '1.0',
    id: `raw-${sequence}`,
    source: 'integration',
    type,
    time: new Date(Date.now() - 60_000).toISOString(),
    datacontenttype: 'application/json',
    ...fields,
    data,
  } as PulseEvent;
}

describe('enrichment against the local Kafka', () => {
  let topics: TestTopics;
  let producer: Producer;
  let observer: Consumer;
  let service: RunningService;
  let readyAtStart: { status: number; body: ReadinessBody };
  const enriched = new Map<string, ConsumedMessage>();
  const deadLetters: ConsumedMessage[] = [];

  async function produceRaw(event: PulseEvent): Promise<void> {
    await producer.send({
      topic: topics.names.eventsRaw,
      messages: [
        {
          key: partitionKeyOf(event),
          value: encodeEvent(event),
          headers: eventHeaders(event),
          timestamp: String(Date.parse(event.time)),
        },
      ],
    });
  }

  async function produceReference<T extends { id: string }>(topic: string, entries: T[]): Promise<void> {
    await producer.send({
      topic,
      messages: entries.map((entry) => ({ key: entry.id, value: JSON.stringify(entry) })),
    });
  }

  async function enrichedOf(id: string): Promise<{ message: ConsumedMessage; event: EnrichedEvent }> {
    const message = await waitFor(`enriched event ${id}`, () => enriched.get(id), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    return { message, event: decodeEnrichedEvent(message.value) };
  }

  beforeAll(async () => {
    topics = await createTestTopics('enrichment');
    producer = topics.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await produceReference(topics.names.referenceProducts, PRODUCTS);
    await produceReference(topics.names.referenceCustomers, CUSTOMERS);

    observer = topics.kafka.consumer({ groupId: uniqueName('enrichment-observer'), maxWaitTimeInMs: 200 });
    await observer.connect();
    await observer.subscribe({
      topics: [topics.names.eventsEnriched, topics.names.deadLetter],
      fromBeginning: true,
    });
    await observer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const consumed = toConsumedMessage(topic, partition, message);
        if (topic === topics.names.deadLetter) deadLetters.push(consumed);
        else enriched.set(consumed.headers['pulse-event-id'] ?? '', consumed);
      },
    });

    const config = loadConfig(schema, {
      PULSE_TOPIC_PREFIX: topics.prefix,
      PULSE_CONSUMER_GROUP: uniqueName('enrichment'),
      PULSE_LOG_LEVEL: 'warn',
    });
    service = await createService(
      enrichmentServiceOptions({ ...config, PULSE_HTTP_HOST: '127.0.0.1', PULSE_HTTP_PORT: 0 }),
    );
    // Read as soon as it serves, before any test changes the reference data.
    const response = await fetch(`${service.url}/health/ready`);
    readyAtStart = { status: response.status, body: (await response.json()) as ReadinessBody };
  });

  afterAll(async () => {
    await service?.close();
    await observer?.disconnect();
    await producer?.disconnect();
    await topics?.cleanup();
  });

  it('is ready once the reference tables are loaded', () => {
    const { status, body } = readyAtStart;
    expect(status).toBe(200);
    expect(body.checks['reference-tables']).toMatchObject({
      ok: true,
      detail: { products: 2, customers: 2 },
    });
  });

  it('enriches an order with products per line, the customer and the region, keyed and timed like the raw event', async () => {
    const order = rawEvent(
      EventType.OrderPlaced,
      { customerid: 'c-1', clientip: '8.8.8.8' },
      {
        orderId: 'o-1',
        currency: 'USD',
        lines: [
          { productId: 'p-2', quantity: 1, unitPrice: 39.99 },
          { productId: 'p-1', quantity: 3, unitPrice: 9.99 },
        ],
      },
    );
    await produceRaw(order);
    const { message, event } = await enrichedOf(order.id);
    expect(message.key?.toString()).toBe('c-1');
    expect(message.timestamp).toBe(Date.parse(order.time));
    expect(message.headers).toMatchObject({
      'pulse-event-id': order.id,
      'pulse-event-type': EventType.OrderPlaced,
    });
    expect(event).toMatchObject({ ...order, enrichmentstatus: 'complete' });
    expect(event.enrichment).toMatchObject({
      status: 'complete',
      missing: [],
      products: [
        { name: 'Kettle', category: 'kitchen', tags: [] },
        { name: 'Mug', category: 'kitchen', tags: ['ceramic'] },
      ],
      customer: { segment: 'vip', signupTime: '2025-11-24T00:00:00Z', accountAgeDays: expect.any(Number) },
      geo: { country: 'US', region: 'north-america', source: 'ip' },
    });
    expect(event.enrichment.customer!.accountAgeDays).toBeGreaterThanOrEqual(364);
  });

  it('passes events with missing reference data on as partial, never dropping them', async () => {
    const view = rawEvent(EventType.ProductViewed, { sessionid: 's-9' }, { productId: 'p-404' });
    await produceRaw(view);
    const { message, event } = await enrichedOf(view.id);
    expect(message.key?.toString()).toBe('s-9');
    expect(event.enrichmentstatus).toBe('partial');
    expect(event.enrichment).toMatchObject({ missing: ['product', 'geo'], products: [null], customer: null });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(
      /pulse_enrichment_missing_total\{kind="product",pulse_service="enrichment"\} [1-9]/,
    );
  });

  it('applies reference additions, updates and tombstones to later events', async () => {
    // Entries of its own, so the other tests' reference data stays as loaded.
    const product = { ...PRODUCTS[0]!, id: 'p-live', name: 'Tumbler' };
    const customer = { ...CUSTOMERS[1]!, id: 'c-live' };
    /** Enriches a cart add of the test's product for its customer, until `applied` holds. */
    const probeUntil = (what: string, applied: (event: EnrichedEvent) => boolean) =>
      waitFor(
        what,
        async () => {
          const probe = rawEvent(
            EventType.CartItemAdded,
            { customerid: customer.id },
            { productId: product.id, quantity: 1 },
          );
          await produceRaw(probe);
          return applied((await enrichedOf(probe.id)).event);
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );

    await produceReference(topics.names.referenceProducts, [product]);
    await produceReference(topics.names.referenceCustomers, [customer]);
    await probeUntil(
      'the new entries to be applied',
      (event) => event.enrichment.products[0]?.name === 'Tumbler' && event.enrichment.customer !== null,
    );

    await produceReference(topics.names.referenceProducts, [
      { ...product, name: 'Big Tumbler', category: 'home' },
    ]);
    await producer.send({
      topic: topics.names.referenceCustomers,
      messages: [{ key: customer.id, value: null }],
    });
    await probeUntil(
      'the update and the tombstone to be applied',
      (event) => event.enrichment.products[0]?.name === 'Big Tumbler' && event.enrichment.customer === null,
    );
    const later = rawEvent(
      EventType.CartItemAdded,
      { customerid: customer.id },
      { productId: product.id, quantity: 2 },
    );
    await produceRaw(later);
    const { event } = await enrichedOf(later.id);
    expect(event.enrichment).toMatchObject({
      status: 'partial',
      missing: ['customer', 'geo'],
      products: [{ name: 'Big Tumbler', category: 'home' }],
      customer: null,
    });
  });

  it('dead-letters a raw message that is not JSON, with the DLQ headers, and keeps going', async () => {
    const garbage = Buffer.from('{"this is": not json');
    await producer.send({
      topic: topics.names.eventsRaw,
      messages: [{ key: 'c-1', value: garbage, headers: { origin: 'test' } }],
    });
    const after = rawEvent(
      EventType.ProductViewed,
      { customerid: 'c-1', country: 'fr' },
      { productId: 'p-2' },
    );
    await produceRaw(after);

    const dead = await waitFor(
      'the dead-letter record',
      () => deadLetters.find((message) => message.value?.equals(garbage)),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );
    expect(dead.key?.toString()).toBe('c-1');
    const entry = readDeadLetter(dead);
    expect(entry).toMatchObject({
      errorClass: 'ContractViolation',
      errorMessage: expect.stringMatching(/not valid JSON/),
      sourceTopic: topics.names.eventsRaw,
      service: 'enrichment',
      attempts: 1,
      originalHeaders: { origin: 'test' },
    });
    expect(entry.sourcePartition).toBeGreaterThanOrEqual(0);
    expect(dead.headers[DLQ_HEADER.sourceOffset]).toMatch(/^\d+$/);

    const { event } = await enrichedOf(after.id);
    expect(event.enrichment.geo).toEqual({ country: 'FR', region: 'europe', source: 'event' });
  });
});
