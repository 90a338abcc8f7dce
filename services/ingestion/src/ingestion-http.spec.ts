import { createHash } from 'node:crypto';
import { loadConfig } from '@pulse/config';
import { EventType } from '@pulse/contracts';
import { createService, type RunningService } from '@pulse/observability';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { schema, type IngestionConfig } from './config';
import type { EncodedEvent } from './events/prepare-event';
import { configureHttp } from './http/configure-http';
import { IngestionModule } from './ingestion.module';
import { PublishUnavailableError, RawEventPublisher } from './publishing/raw-event-publisher';

const KEY = 'test-key-0123456789';
const OTHER_KEY = 'other-key-0123456789';
const sha = (value: string) => createHash('sha256').update(value).digest('hex');

/** Stands in for Kafka: records what would be written, or fails like an unavailable broker. */
class RecordingPublisher extends RawEventPublisher {
  readonly published: EncodedEvent[] = [];
  failure: Error | null = null;

  async publish(events: readonly EncodedEvent[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.published.push(...events);
  }
}

function view(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'web',
    type: EventType.ProductViewed,
    time: new Date(Date.now() - 60_000).toISOString(),
    customerid: 'c-1',
    data: { productId: 'p-1' },
    ...overrides,
  };
}

describe('ingestion HTTP API', () => {
  let service: RunningService;
  let fastify: FastifyInstance;
  let publisher: RecordingPublisher;
  let config: IngestionConfig;

  async function start(env: Record<string, string> = {}): Promise<void> {
    publisher = new RecordingPublisher();
    config = {
      ...loadConfig(schema, {
        PULSE_API_KEYS: `# test keys\nmain:${sha(KEY)}\nother:${sha(OTHER_KEY)}`,
        PULSE_LOG_LEVEL: 'error',
        PULSE_BATCH_MAX_EVENTS: '5',
        PULSE_BATCH_MAX_BYTES: '4096',
        // A slow refill, so a test's own running time cannot refill the bucket it drains.
        PULSE_RATE_LIMIT_PER_SECOND: '1',
        PULSE_RATE_LIMIT_BURST: '20',
        ...env,
      }),
      PULSE_HTTP_HOST: '127.0.0.1',
      PULSE_HTTP_PORT: 0,
    };
    service = await createService({
      serviceName: 'ingestion',
      module: IngestionModule.forRoot(config, { provide: RawEventPublisher, useValue: publisher }),
      settings: config,
      bodyLimit: config.PULSE_BATCH_MAX_BYTES,
      configure: configureHttp(config),
      openApi: { title: 'Pulse ingestion', description: 'test' },
    });
    fastify = service.app.getHttpAdapter().getInstance() as FastifyInstance;
  }

  function post(
    url: string,
    payload: unknown,
    { contentType = 'application/json', key = KEY as string | null, raw = false } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    if (key !== null) headers['x-api-key'] = key;
    const body = raw ? (payload as string | Buffer) : JSON.stringify(payload);
    return fastify.inject({ method: 'POST', url, headers, payload: body } as InjectOptions);
  }

  afterEach(async () => {
    await service?.close();
  });

  describe('with the default setup', () => {
    beforeEach(() => start());

    it('accepts one event with 202, normalised, only after the publisher resolved', async () => {
      const response = await post('/v1/events', view({ id: ' e-1 ', country: 'de' }));
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ index: 0, id: 'e-1' });
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
      expect(publisher.published).toHaveLength(1);
      const written = publisher.published[0]!;
      expect(written.event).toMatchObject({ id: 'e-1', country: 'DE', specversion: '1.0' });
      expect(JSON.parse(written.value.toString('utf8'))).toMatchObject({ ingestedat: expect.any(String) });
    });

    it('takes a CloudEvents content type and a Bearer key', async () => {
      const response = await fastify.inject({
        method: 'POST',
        url: '/v1/events',
        headers: {
          'content-type': 'application/cloudevents+json; charset=utf-8',
          authorization: `Bearer ${KEY}`,
        },
        payload: JSON.stringify(view()),
      });
      expect(response.statusCode).toBe(202);
    });

    it('rejects an invalid event with 400 and the paths, writing nothing', async () => {
      const response = await post('/v1/events', view({ data: { productId: '' }, time: 'yesterday' }));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_event',
        message: 'the event does not match the contract',
        details: expect.arrayContaining([
          { path: 'time', message: expect.any(String) },
          { path: 'data.productId', message: 'must not be empty' },
        ]),
      });
      expect(publisher.published).toHaveLength(0);
    });

    it('answers malformed JSON with 400 and the parser reason', async () => {
      const response = await post('/v1/events', '{"type": ', { raw: true });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'malformed_json',
        message: expect.stringMatching(/^the body is not valid JSON: .+/),
      });
    });

    it('refuses prototype poisoning, bad UTF-8, empty bodies and unsupported media types', async () => {
      const proto = await post('/v1/events', '{"__proto__": {"admin": true}}', { raw: true });
      expect(proto.statusCode).toBe(400);
      expect(proto.json().message).toMatch(/forbidden prototype property/);
      const latin1 = await post('/v1/events', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), {
        raw: true,
      });
      expect(latin1.json()).toEqual({ error: 'invalid_encoding', message: 'the body is not valid UTF-8' });
      expect((await post('/v1/events', '', { raw: true })).statusCode).toBe(400);
      const text = await post('/v1/events', 'hello', { raw: true, contentType: 'text/plain' });
      expect(text.statusCode).toBe(415);
      expect(text.json().error).toBe('unsupported_media_type');
      expect(
        (await post('/v1/events', '<a/>', { raw: true, contentType: 'application/xml' })).statusCode,
      ).toBe(415);
      expect((await post('/v1/events', '{}', { raw: true, contentType: '' })).statusCode).toBe(415);
      expect(publisher.published).toHaveLength(0);
    });

    it('answers 413 for a body over the byte limit', async () => {
      const response = await post('/v1/events', view({ padding: 'x'.repeat(5000) }));
      expect(response.statusCode).toBe(413);
      expect(response.json()).toEqual({
        error: 'body_too_large',
        message: 'the body is larger than 4096 bytes',
      });
    });

    it('needs an API key: 401 without one, 403 with a wrong one; health and docs stay open', async () => {
      const missing = await post('/v1/events', view(), { key: null });
      expect(missing.statusCode).toBe(401);
      expect(missing.json()).toEqual({ error: 'unauthorized', message: expect.stringMatching(/x-api-key/) });
      expect(missing.headers['www-authenticate']).toMatch(/Bearer/);
      const wrong = await post('/v1/events', view(), { key: 'not-the-key' });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().error).toBe('forbidden');
      const batch = await post('/v1/events/batch', [view()], { key: null });
      expect(batch.statusCode).toBe(401);
      expect(publisher.published).toHaveLength(0);
      expect((await fastify.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expect((await fastify.inject({ method: 'GET', url: '/docs-json' })).statusCode).toBe(200);
    });

    it('answers a mixed batch per event and writes only the valid ones', async () => {
      const response = await post('/v1/events/batch', [
        view({ id: 'ok-1' }),
        view({ type: 'nope' }),
        'text',
        view({ id: 'ok-2' }),
      ]);
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({
        accepted: [
          { index: 0, id: 'ok-1' },
          { index: 3, id: 'ok-2' },
        ],
        rejected: [
          { index: 1, errors: [{ path: 'type', message: 'unknown event type' }] },
          { index: 2, errors: [expect.objectContaining({ path: '(root)' })] },
        ],
      });
      expect(publisher.published.map(({ event }) => event.id)).toEqual(['ok-1', 'ok-2']);
    });

    it('answers 400 with the per-event reasons when no event of a batch is valid', async () => {
      const response = await post('/v1/events/batch', [view({ time: 'never' }), {}]);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        error: 'invalid_events',
        message: 'none of the 2 events is valid',
        accepted: [],
        rejected: [{ index: 0 }, { index: 1 }],
      });
    });

    it('takes NDJSON, rejecting a bad line on its own', async () => {
      const body = [
        JSON.stringify(view({ id: 'n-1' })),
        '{broken',
        '',
        JSON.stringify(view({ id: 'n-2' })),
      ].join('\n');
      const response = await post('/v1/events/batch', body, {
        raw: true,
        contentType: 'application/x-ndjson',
      });
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({
        accepted: [
          { index: 0, id: 'n-1' },
          { index: 2, id: 'n-2' },
        ],
        rejected: [
          { index: 1, errors: [{ path: '(root)', message: expect.stringMatching(/^not valid JSON/) }] },
        ],
      });
    });

    it('refuses an empty batch, a non-array and more events than the limit', async () => {
      expect((await post('/v1/events/batch', [])).json()).toEqual({
        error: 'empty_batch',
        message: 'the batch holds no events',
      });
      expect((await post('/v1/events/batch', view())).json().error).toBe('not_an_array');
      const tooMany = await post(
        '/v1/events/batch',
        Array.from({ length: 6 }, () => ({})),
      );
      expect(tooMany.statusCode).toBe(413);
      expect(tooMany.json()).toEqual({
        error: 'batch_too_large',
        message: 'a batch may hold at most 5 events',
      });
      const ndjson = Array.from({ length: 6 }, () => '{}').join('\n');
      expect(
        (await post('/v1/events/batch', ndjson, { raw: true, contentType: 'application/x-ndjson' }))
          .statusCode,
      ).toBe(413);
    });

    it('answers 503 with Retry-After when Kafka cannot take the events, never 202', async () => {
      publisher.failure = new PublishUnavailableError('not connected to Kafka', 5);
      const single = await post('/v1/events', view());
      expect(single.statusCode).toBe(503);
      expect(single.headers['retry-after']).toBe('5');
      expect(single.json()).toEqual({
        error: 'unavailable',
        message: expect.stringMatching(/^not connected to Kafka; /),
      });
      const batch = await post('/v1/events/batch', [view(), { bad: true }]);
      expect(batch.statusCode).toBe(503);
    });

    it('limits events per key, counting the events of a batch, with 429 and Retry-After', async () => {
      for (let i = 0; i < 4; i += 1) {
        expect(
          (
            await post(
              '/v1/events/batch',
              Array.from({ length: 5 }, () => view()),
            )
          ).statusCode,
        ).toBe(202);
      }
      const limited = await post('/v1/events', view());
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.json().error).toBe('rate_limited');
      expect((await post('/v1/events', view(), { key: OTHER_KEY })).statusCode).toBe(202);
    });

    it('counts outcomes in pulse_ingestion_events_total', async () => {
      await post('/v1/events/batch', [view(), view(), { nope: 1 }]);
      const metrics = (await fastify.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(
        /pulse_ingestion_events_total\{outcome="accepted",pulse_service="ingestion"\} 2/,
      );
      expect(metrics).toMatch(
        /pulse_ingestion_events_total\{outcome="rejected",pulse_service="ingestion"\} 1/,
      );
    });

    it('documents the API from the code at /docs-json', async () => {
      const document = (await fastify.inject({ method: 'GET', url: '/docs-json' })).json();
      const single = document.paths['/v1/events'].post;
      expect(Object.keys(single.responses)).toEqual(
        expect.arrayContaining(['202', '400', '401', '403', '413', '415', '429', '503']),
      );
      const eventSchema = single.requestBody.content['application/json'].schema;
      expect(eventSchema.oneOf).toHaveLength(4);
      expect(eventSchema.oneOf[0].required).not.toContain('id');
      expect(document.paths['/v1/events/batch'].post.requestBody.content).toHaveProperty(
        'application/x-ndjson',
      );
    });
  });

  describe('rate limit by cost', () => {
    const order = (lines: number, id: string): Record<string, unknown> =>
      view({
        id,
        type: EventType.OrderPlaced,
        data: {
          orderId: id,
          currency: 'USD',
          lines: Array.from({ length: lines }, (_, i) => ({
            productId: `p-${i}`,
            quantity: 1,
            unitPrice: 1,
          })),
        },
      });

    beforeEach(() =>
      start({
        PULSE_RATE_LIMIT_PER_SECOND: '1',
        PULSE_RATE_LIMIT_BURST: '1000',
        PULSE_BATCH_MAX_BYTES: '1048576',
      }),
    );

    it('charges an order its line count: a client sending long orders is limited at their cost', async () => {
      expect((await post('/v1/events', order(400, 'o-1'))).statusCode).toBe(202);
      expect((await post('/v1/events', order(400, 'o-2'))).statusCode).toBe(202);
      const limited = await post('/v1/events', order(400, 'o-3'));
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({
        error: 'rate_limited',
        message: expect.stringContaining('costs 400'),
      });
      // 200 units left, 200 more needed at 1 per second.
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(199);
      expect(publisher.published).toHaveLength(2);
    });

    it('does not starve views: a refused long order costs nothing, and a view costs 1', async () => {
      expect((await post('/v1/events', order(500, 'o-1'))).statusCode).toBe(202);
      expect((await post('/v1/events', order(496, 'o-2'))).statusCode).toBe(202);
      for (let i = 0; i < 3; i += 1)
        expect((await post('/v1/events', order(400, `o-x${i}`))).statusCode).toBe(429);
      const views = await post('/v1/events/batch', [view(), view(), view(), view()]);
      expect(views.statusCode).toBe(202);
      // The four views took what was left: five more would need five seconds of refill.
      expect((await post('/v1/events/batch', [view(), view(), view(), view(), view()])).statusCode).toBe(429);
    });

    it('counts a batch by the cost of its events, and refuses with 413 what could never fit', async () => {
      const batch = await post('/v1/events/batch', [order(300, 'o-1'), order(300, 'o-2'), view()]);
      expect(batch.statusCode).toBe(202);
      // 399 left; 450 would need 51 s of refill.
      expect((await post('/v1/events/batch', [order(300, 'o-3'), order(150, 'o-4')])).statusCode).toBe(429);
      const huge = await post('/v1/events', order(1001, 'o-5'));
      expect(huge.statusCode).toBe(413);
      expect(huge.headers['retry-after']).toBeUndefined();
      expect(huge.json().error).toBe('too_costly');
    });
  });

  describe('under garbage input', () => {
    beforeEach(() => start({ PULSE_RATE_LIMIT_PER_SECOND: '1000000', PULSE_RATE_LIMIT_BURST: '1000000' }));

    it('never answers with a 5xx, whatever the body and content type', async () => {
      const contentTypes = fc.constantFrom(
        'application/json',
        'application/x-ndjson',
        'application/cloudevents+json',
        'text/plain',
        'application/octet-stream',
        '',
      );
      const bodies = fc.oneof(
        fc.json(),
        fc.string(),
        fc.constantFrom(
          '{"__proto__":{"a":1}}',
          '{"constructor":{"prototype":{"a":1}}}',
          '['.repeat(3000),
          `${'['.repeat(3000)}${']'.repeat(3000)}`,
          `{"source":"s","type":"${EventType.ProductViewed}","time":"2026-01-01T00:00:00Z","data":{"productId":"p","x":${'['.repeat(1000)}${']'.repeat(1000)}}}`,
        ),
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        fc
          .record({
            source: fc.oneof(fc.string(), fc.integer()),
            type: fc.constantFrom(...Object.values(EventType)),
            time: fc.oneof(
              fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
              fc.string(),
            ),
            customerid: fc.oneof(fc.string(), fc.constant(undefined)),
            data: fc.oneof(fc.anything(), fc.record({ productId: fc.string(), quantity: fc.integer() })),
          })
          .map((value) => JSON.stringify(value)),
        fc
          .array(fc.jsonValue(), { maxLength: 8 })
          .map((items) => items.map((item) => JSON.stringify(item)).join('\n')),
      );
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/v1/events', '/v1/events/batch'),
          contentTypes,
          bodies,
          async (url, contentType, payload) => {
            const response = await post(url, payload, { raw: true, contentType });
            statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
            expect(response.statusCode).toBeLessThan(500);
            expect(response.json()).toEqual(expect.any(Object));
          },
        ),
        { numRuns: 400 },
      );
      // The property must have exercised validation, not just one early exit.
      expect(statuses.get(400)).toBeGreaterThan(50);
      expect(statuses.get(415)).toBeGreaterThan(10);
    });

    it('refuses a batch element with a prototype-poisoning key on its own, keeping its neighbours', async () => {
      const good = JSON.stringify(view({ id: 'kept' }));
      const poisoned = [
        '{"__proto__":{"admin":true}}',
        // Deep inside an event, as a generated body put it.
        JSON.stringify(view({ id: 'deep' })).replace('"source":"', '"source":[{"__proto__":false}],"x":"'),
        '{"constructor":{"prototype":{"admin":true}}}',
      ];
      const response = await post(
        '/v1/events/batch',
        `[${poisoned[0]},${good},${poisoned[1]},${poisoned[2]}]`,
        {
          raw: true,
        },
      );
      expect(response.statusCode).toBe(202);
      expect(response.json().accepted).toEqual([{ index: 1, id: 'kept' }]);
      expect(response.json().rejected).toEqual(
        [0, 2, 3].map((index) => ({
          index,
          errors: [
            { path: '(root)', message: 'not valid JSON: Object contains forbidden prototype property' },
          ],
        })),
      );
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      // The whole body is still refused when it is not an array, or not JSON.
      const single = await post('/v1/events', poisoned[1]!, { raw: true });
      expect(single.statusCode).toBe(400);
      expect(single.json().message).toMatch(/forbidden prototype property/);
      const broken = await post('/v1/events/batch', `[${poisoned[0]},${good}`, { raw: true });
      expect(broken.statusCode).toBe(400);
      expect(broken.json().error).toBe('malformed_json');
    });

    it('answers a valid event nested in garbage neighbours per event', async () => {
      const good = JSON.stringify(view({ id: 'fine' }));
      const response = await post('/v1/events/batch', `${'{'.repeat(2000)}\n${good}\n\u0000\n`, {
        raw: true,
        contentType: 'application/x-ndjson',
      });
      expect(response.statusCode).toBe(202);
      expect(response.json().accepted).toEqual([{ index: 1, id: 'fine' }]);
    });
  });

  describe('configuration', () => {
    it('refuses to start without API keys unless auth is explicitly disabled', () => {
      expect(() => loadConfig(schema, {})).toThrow(
        'Invalid configuration: PULSE_API_KEYS_FILE must name a file with at least one "name:sha256hex" line',
      );
      expect(loadConfig(schema, { PULSE_AUTH_DISABLED: 'true' }).PULSE_API_KEYS).toEqual([]);
    });

    it('refuses a burst smaller than a full batch', () => {
      expect(() =>
        loadConfig(schema, {
          PULSE_AUTH_DISABLED: 'true',
          PULSE_BATCH_MAX_EVENTS: '1000',
          PULSE_RATE_LIMIT_BURST: '500',
        }),
      ).toThrow(/PULSE_RATE_LIMIT_BURST must be at least PULSE_BATCH_MAX_EVENTS \(1000\)/);
    });

    it('lets anyone in when auth is disabled', async () => {
      await start({ PULSE_API_KEYS: '', PULSE_AUTH_DISABLED: 'true' });
      expect((await post('/v1/events', view(), { key: null })).statusCode).toBe(202);
    });

    it('answers CORS preflights only when origins are configured', async () => {
      await start({ PULSE_CORS_ORIGINS: 'https://shop.example' });
      const preflight = await fastify.inject({
        method: 'OPTIONS',
        url: '/v1/events',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
      await service.close();
      await start();
      const off = await fastify.inject({
        method: 'OPTIONS',
        url: '/v1/events',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
      expect(off.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
