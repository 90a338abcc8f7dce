import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '@pulse/config';
import { EVENT_HEADER, EventType } from '@pulse/contracts';
import { declaredTopics, ensureTopics, topicNames } from '@pulse/kafka';
import { createService, type RunningService } from '@pulse/observability';
import {
  PrivateComponent,
  createTestTopics,
  readAll,
  waitFor,
  waitForMessages,
  type TestTopics,
} from '@pulse/testing';
import { schema, type IngestionConfig } from './config';
import { ingestionServiceOptions } from './service';

const KEY = 'integration-key-0123456789';
const KEYS = `it:${createHash('sha256').update(KEY).digest('hex')}`;
const REPO_ROOT = resolve(__dirname, '../../..');

function ingestionConfig(env: Record<string, string>): IngestionConfig {
  return {
    ...loadConfig(schema, { PULSE_API_KEYS: KEYS, PULSE_LOG_LEVEL: 'warn', ...env }),
    PULSE_HTTP_HOST: '127.0.0.1',
    PULSE_HTTP_PORT: 0,
  };
}

function post(
  service: RunningService,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-api-key': KEY },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

let sequence = 0;
function order(customerid: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    id: `evt-${sequence}`,
    source: 'integration',
    type: EventType.OrderPlaced,
    time: new Date(Date.now() - 30_000).toISOString(),
    customerid,
    data: {
      orderId: `o-${sequence}`,
      currency: 'eur',
      lines: [{ productId: 'p-0001', quantity: 2, unitPrice: 9.5 }],
    },
    ...overrides,
  };
}

/** Messages in a topic now, from its offsets (cheaper than reading them). */
async function messageCount(topics: TestTopics, topic: string): Promise<number> {
  const offsets = await topics.admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
}

describe('ingestion against the local Kafka', () => {
  let topics: TestTopics;
  let service: RunningService;

  beforeAll(async () => {
    topics = await createTestTopics('ingestion');
    service = await createService(
      ingestionServiceOptions(ingestionConfig({ PULSE_TOPIC_PREFIX: topics.prefix })),
    );
  });

  afterAll(async () => {
    await service?.close();
    await topics?.cleanup();
  });

  it('writes an accepted event to events.raw: normalised, keyed by customer, timestamp = event time', async () => {
    const before = await messageCount(topics, topics.names.eventsRaw);
    const sent = order('c-00042', { country: 'de', clientip: '8.8.8.8' });
    const response = await post(service, '/v1/events', sent);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ index: 0, id: sent.id });

    const all = await waitForMessages(topics.kafka, topics.names.eventsRaw, before + 1);
    const message = all.find((candidate) => candidate.headers[EVENT_HEADER.id] === sent.id);
    expect(message!.key?.toString()).toBe('c-00042');
    expect(message!.timestamp).toBe(Date.parse(sent.time as string));
    expect(message!.headers).toMatchObject({
      [EVENT_HEADER.id]: sent.id,
      [EVENT_HEADER.type]: EventType.OrderPlaced,
      'content-type': 'application/cloudevents+json; charset=UTF-8',
    });
    const written = JSON.parse(message!.value!.toString('utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({
      specversion: '1.0',
      id: sent.id,
      country: 'DE',
      data: { currency: 'EUR' },
      ingestedat: expect.any(String),
    });
  });

  it('answers a mixed batch per event and writes only the valid events', async () => {
    const before = await messageCount(topics, topics.names.eventsRaw);
    const valid = [order('c-1'), order('c-2'), order('c-3')];
    const batch = [valid[0], order('c-x', { time: 'soon' }), valid[1], { type: 'nonsense' }, valid[2]];
    const response = await post(service, '/v1/events/batch', batch);
    expect(response.status).toBe(202);
    const body = (await response.json()) as {
      accepted: { index: number; id: string }[];
      rejected: { index: number }[];
    };
    expect(body.accepted).toEqual([
      { index: 0, id: valid[0]!.id },
      { index: 2, id: valid[1]!.id },
      { index: 4, id: valid[2]!.id },
    ]);
    expect(body.rejected.map((item) => item.index)).toEqual([1, 3]);

    const all = await waitForMessages(topics.kafka, topics.names.eventsRaw, before + 3);
    const ids = all.map((message) => message.headers[EVENT_HEADER.id]);
    expect(all).toHaveLength(before + 3);
    expect(ids).toEqual(expect.arrayContaining(valid.map((event) => event.id)));
  });

  it('takes NDJSON batches the same way', async () => {
    const before = await messageCount(topics, topics.names.eventsRaw);
    const events = [order('c-7'), order('c-8')];
    const response = await post(
      service,
      '/v1/events/batch',
      `${JSON.stringify(events[0])}\nnot json\n${JSON.stringify(events[1])}\n`,
      'application/x-ndjson',
    );
    expect(response.status).toBe(202);
    expect(((await response.json()) as { rejected: unknown[] }).rejected).toHaveLength(1);
    const all = await waitForMessages(topics.kafka, topics.names.eventsRaw, before + 2);
    expect(all).toHaveLength(before + 2);
    expect(all.map((message) => message.headers[EVENT_HEADER.id])).toEqual(
      expect.arrayContaining(events.map((event) => event.id)),
    );
  });
});

describe('ingestion while Kafka stops and comes back', () => {
  let broker: PrivateComponent;
  let kafka: Kafka;
  let service: RunningService | undefined;
  const prefix = 'outage.';

  beforeAll(async () => {
    // A broker of this test alone, so stopping it disturbs no other suite using the shared one.
    broker = await PrivateComponent.start('kafka', REPO_ROOT, {
      env: { PULSE_KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m' },
    });
    kafka = new Kafka({ clientId: 'pulse-test', brokers: [broker.address], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, declaredTopics({ prefix, partitions: 2, replicationFactor: 1 }));
    await admin.disconnect();
  });

  afterAll(async () => {
    await service?.close();
    await broker?.destroy();
  });

  it('answers 503 with Retry-After while Kafka is down, accepts again once it is back, and loses nothing it acknowledged', async () => {
    service = await createService(
      ingestionServiceOptions(
        ingestionConfig({
          PULSE_TOPIC_PREFIX: prefix,
          PULSE_KAFKA_BROKERS: broker.address,
          PULSE_PUBLISH_TIMEOUT: '3s',
        }),
      ),
    );
    const acknowledged: string[] = [];
    const send = async (): Promise<Response> => {
      const event = order('c-outage');
      const response = await post(service!, '/v1/events', event);
      if (response.status === 202) acknowledged.push(event.id as string);
      return response;
    };

    for (let i = 0; i < 3; i += 1) expect((await send()).status).toBe(202);

    await broker.down();
    const during: Response[] = [];
    for (let i = 0; i < 3; i += 1) during.push(await send());
    expect(during.map((response) => response.status)).toEqual([503, 503, 503]);
    expect(Number(during[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await during[0]!.json()) as { error: string }).error).toBe('unavailable');

    await broker.up();
    await waitFor('ingestion to accept again', async () => (await send()).status === 202, {
      timeoutMs: 60_000,
      intervalMs: 1000,
    });
    for (let i = 0; i < 3; i += 1) expect((await send()).status).toBe(202);

    const written = await readAll(kafka, topicNames(prefix).eventsRaw);
    const writtenIds = new Set(written.map((message) => message.headers[EVENT_HEADER.id]));
    expect(acknowledged.length).toBeGreaterThanOrEqual(7);
    expect(acknowledged.filter((id) => !writtenIds.has(id))).toEqual([]);
  });

  it('a client retrying after a 503, for events Kafka acknowledged after all, counts them once: ids come from the content', async () => {
    await service?.close();
    service = await createService(
      ingestionServiceOptions(
        ingestionConfig({
          PULSE_TOPIC_PREFIX: prefix,
          PULSE_KAFKA_BROKERS: broker.address,
          PULSE_PUBLISH_TIMEOUT: '2s',
        }),
      ),
    );
    const eventsRaw = topicNames(prefix).eventsRaw;
    const before = (await readAll(kafka, eventsRaw)).length;
    // Events without ids, as a simple client sends them; the same bytes on every attempt.
    const batch = [0, 1, 2].map((n) => {
      const { id: _id, ...event } = order(`c-retry-${n}`);
      return event;
    });
    const body = batch.map((event) => JSON.stringify(event)).join('\n');
    const send = () => post(service!, '/v1/events/batch', body, 'application/x-ndjson');

    broker.freeze();
    let first: Response;
    try {
      first = await send();
    } finally {
      broker.thaw();
    }
    // The request timed out, but the broker holds it and appends it once it runs again.
    expect(first.status).toBe(503);
    await waitFor(
      'the held request to be written',
      async () => (await readAll(kafka, eventsRaw)).length >= before + 3,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    const retry = await send();
    expect(retry.status).toBe(202);

    const written = (await readAll(kafka, eventsRaw)).slice(before);
    expect(written).toHaveLength(6);
    const ids = written.map((message) => message.headers[EVENT_HEADER.id]);
    // Twice each event, under one id each: downstream counts each once.
    expect(new Set(ids).size).toBe(3);
  });

  it('starts while Kafka is down: not ready and 503 meanwhile, then ready and accepting once Kafka is up', async () => {
    await service?.close();
    service = undefined;
    await broker.down();

    const started = Date.now();
    service = await createService(
      ingestionServiceOptions(
        ingestionConfig({ PULSE_TOPIC_PREFIX: prefix, PULSE_KAFKA_BROKERS: broker.address }),
      ),
    );
    // Start-up waits a bounded time for Kafka (10 s by default), then carries on not ready.
    expect(Date.now() - started).toBeLessThan(30_000);
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(readiness.checks['kafka-producer']?.ok).toBe(false);
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);

    const refused = await post(service, '/v1/events', order('c-boot'));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    await broker.up();
    await waitFor(
      'ingestion to become ready',
      async () => (await fetch(`${service!.url}/health/ready`)).status === 200,
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    const event = order('c-boot');
    expect((await post(service, '/v1/events', event)).status).toBe(202);
    const written = await readAll(kafka, topicNames(prefix).eventsRaw);
    expect(written.map((message) => message.headers[EVENT_HEADER.id])).toContain(event.id);
  });
});
