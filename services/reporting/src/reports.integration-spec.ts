import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { AlertEvent } from '@pulse/contracts';
import { loadConfig } from '@pulse/config';
import { InfluxClient } from '@pulse/influx';
import { createService, type RunningService } from '@pulse/observability';
import { freePort } from '@pulse/fleet';
import { createTestTopics, stack, uniqueName, waitFor, type TestTopics } from '@pulse/testing';
import { schema } from './config';
import { reportingServiceOptions } from './service';

/**
 * Reporting's API contract against the real InfluxDB and Kafka: points written as aggregation
 * writes them (docs/metrics-schema.md) for two partitions, alerts on a real `alerts` topic.
 */
const TOKEN = 'reporting-contract-token';
const MINUTE = 60_000;
const T = Math.floor(Date.now() / (60 * MINUTE)) * 60 * MINUTE - 2 * 60 * MINUTE; // recent, hour-aligned
const W1 = T;
const W2 = T + MINUTE;
const W3 = T + 2 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

/** Points of one window and partition, as aggregation writes them. */
function windowPoints(start: number, partition: number, final: boolean, watermark: number): string[] {
  const tail = `final=${final ? 'T' : 'F'},watermark=${watermark}i ${start}`;
  const p = `partition=${partition},window=1m`;
  return [
    `activity,grouping=total,${p} orders=3i,units=5i,customers=2i,views=10i,cart_adds=4i,${tail}`,
    `activity,category=books,grouping=category,${p} orders=2i,units=3i,customers=2i,views=6i,cart_adds=2i,${tail}`,
    `activity,category=toys,grouping=category,${p} orders=1i,units=2i,customers=1i,views=4i,cart_adds=2i,${tail}`,
    `activity,grouping=region,${p},region=europe orders=3i,units=5i,customers=2i,views=10i,cart_adds=4i,${tail}`,
    `activity,category=books,grouping=category_region,${p},region=europe orders=2i,units=3i,customers=2i,views=6i,cart_adds=2i,${tail}`,
    `activity,category=toys,grouping=category_region,${p},region=europe orders=1i,units=2i,customers=1i,views=4i,cart_adds=2i,${tail}`,
    `revenue,currency=USD,grouping=total,${p} revenue_minor=2999i,revenue=29.99,orders=2i,units=3i,${tail}`,
    `revenue,currency=JPY,grouping=total,${p} revenue_minor=1500i,revenue=1500,orders=1i,units=2i,${tail}`,
    `revenue,category=books,currency=USD,grouping=category,${p} revenue_minor=2999i,revenue=29.99,orders=2i,units=3i,${tail}`,
    `revenue,category=toys,currency=JPY,grouping=category,${p} revenue_minor=1500i,revenue=1500,orders=1i,units=2i,${tail}`,
    `revenue,currency=USD,grouping=region,${p},region=europe revenue_minor=2999i,revenue=29.99,orders=2i,units=3i,${tail}`,
    `revenue,currency=JPY,grouping=region,${p},region=europe revenue_minor=1500i,revenue=1500,orders=1i,units=2i,${tail}`,
    `revenue,category=books,currency=USD,grouping=category_region,${p},region=europe revenue_minor=2999i,revenue=29.99,orders=2i,units=3i,${tail}`,
    `product_sales,currency=USD,${p},product_id=sku-b category="books",revenue_minor=${1000 + partition}i,revenue=10,orders=1i,units=1i,${tail}`,
    `product_sales,currency=USD,${p},product_id=sku-a category="books",revenue_minor=1999i,revenue=19.99,orders=1i,units=2i,${tail}`,
    `product_sales,currency=JPY,${p},product_id=sku-t category="toys",revenue_minor=1500i,revenue=1500,orders=1i,units=2i,${tail}`,
  ];
}

function alert(
  fingerprint: string,
  state: AlertEvent['state'],
  updatedAt: number,
  sequence: number,
): AlertEvent {
  return {
    fingerprint,
    rule: 'revenue-drop',
    kind: 'window',
    severity: 'warning',
    state,
    labels: { category: 'books' },
    summary: `revenue dropped (${fingerprint})`,
    value: 1,
    threshold: 2,
    window: null,
    startsAt: iso(updatedAt - MINUTE),
    updatedAt: iso(updatedAt),
    endsAt: state === 'resolved' ? iso(updatedAt) : null,
    triggerEventTime: null,
    sequence,
    links: {},
  };
}

describe('reporting API (real InfluxDB and Kafka)', () => {
  const database = uniqueName('reporting_contract');
  const influx = new InfluxClient({ url: stack.influxUrl, timeoutMs: 30_000 });
  let topics: TestTopics;
  let service: RunningService;
  const now = Date.now();

  async function start(env: Record<string, string>): Promise<RunningService> {
    const config = loadConfig(schema, {
      PULSE_HTTP_HOST: '127.0.0.1',
      PULSE_HTTP_PORT: String(await freePort()),
      PULSE_LOG_LEVEL: 'warn',
      PULSE_TOPIC_PREFIX: topics.prefix,
      PULSE_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      PULSE_INFLUX_URL: stack.influxUrl,
      PULSE_INFLUX_DATABASE: database,
      PULSE_REPORTING_TOKENS: `contract:${createHash('sha256').update(TOKEN).digest('hex')}`,
      ...env,
    });
    return createService(reportingServiceOptions(config));
  }

  beforeAll(async () => {
    // One partition: the alert log's bound keeps the alerts read last, which is then their order.
    topics = await createTestTopics('reporting-contract', 1);
    await influx.createDatabase(database);
    await influx.write({ api: 'v1', database }, [
      // W1: final on both partitions. W2: partition 1 still open. W3: written final by partition 0 only,
      // but partition 1's watermark is behind its end: not final.
      ...windowPoints(W1, 0, true, W2 + 5_000),
      ...windowPoints(W1, 1, true, W2 + 1_000),
      ...windowPoints(W2, 0, true, W3 + 5_000),
      ...windowPoints(W2, 1, false, W2 + 30_000),
      ...windowPoints(W3, 0, true, W3 + MINUTE + 5_000),
      `progress,partition=0 watermark=${W3 + MINUTE + 5_000}i,max_event_time=${W3 + MINUTE + 35_000}i,offset=100i ${now - 5_000}`,
      `progress,partition=1 watermark=${W2 + 30_000}i,max_event_time=${W2 + 60_000}i,offset=90i ${now - 5_000}`,
    ]);
    const producer = topics.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.names.alerts,
      messages: [
        { key: 'fp-1', value: JSON.stringify(alert('fp-1', 'firing', now - 10 * MINUTE, 1)) },
        { key: 'fp-2', value: JSON.stringify(alert('fp-2', 'firing', now - 5 * MINUTE, 1)) },
        { key: 'fp-1', value: JSON.stringify(alert('fp-1', 'resolved', now - 2 * MINUTE, 2)) },
        { key: 'bad', value: '{"not":"an alert"}' },
        { key: 'fp-3', value: JSON.stringify(alert('fp-3', 'firing', now - MINUTE, 1)) },
      ],
    });
    await producer.disconnect();
    service = await start({});
  });

  afterAll(async () => {
    await service?.close();
    await topics?.cleanup();
    await influx.dropDatabase(database);
  });

  const range = { from: iso(W1), to: iso(W3 + MINUTE) };
  async function get(
    path: string,
    params: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${service.url}${path}?${new URLSearchParams(params)}`, {
      headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  async function json<T = { query: Record<string, unknown>; rows: Record<string, unknown>[] }>(
    path: string,
    params: Record<string, string>,
  ) {
    const answer = await get(path, params);
    expect(answer.status).toBe(200);
    return JSON.parse(answer.text) as T;
  }

  describe('GET /v1/reports/sales', () => {
    it('sums partitions per window, with revenue per currency, AOV and completeness', async () => {
      const body = await json('/v1/reports/sales', range);
      expect(body.query).toEqual({
        ...range,
        from: iso(W1),
        to: iso(W3 + MINUTE),
        interval: '1m',
        groupBy: 'total',
      });
      expect(body.rows).toEqual([
        {
          windowStart: iso(W1),
          windowEnd: iso(W2),
          final: true,
          watermark: iso(W2 + 1_000),
          orders: 6,
          units: 10,
          uniqueCustomers: 4,
          views: 20,
          cartAdds: 8,
          viewToOrderConversion: 0.3,
          revenue: [
            { currency: 'JPY', amount: 3000, amountMinor: 3000, orders: 2, averageOrderValue: 1500 },
            { currency: 'USD', amount: 59.98, amountMinor: 5998, orders: 4, averageOrderValue: 15 },
          ],
        },
        expect.objectContaining({
          windowStart: iso(W2),
          final: false,
          watermark: iso(W2 + 30_000),
          orders: 6,
        }),
        expect.objectContaining({
          windowStart: iso(W3),
          final: false,
          watermark: iso(W3 + MINUTE + 5_000),
          orders: 3,
        }),
      ]);
    });

    it('groups by category and region, filters, and keeps one currency', async () => {
      const byCategory = await json<{
        rows: { windowStart: string; category: string; orders: number; revenue: { currency: string }[] }[];
      }>('/v1/reports/sales', { ...range, groupBy: 'category' });
      expect(
        byCategory.rows.filter((row) => row.windowStart === iso(W1)).map((row) => [row.category, row.orders]),
      ).toEqual([
        ['books', 4],
        ['toys', 2],
      ]);
      const pairs = await json<{ rows: Record<string, unknown>[] }>('/v1/reports/sales', {
        ...range,
        groupBy: 'category,region',
        region: 'europe',
        currency: 'USD',
      });
      expect(pairs.rows[0]).toMatchObject({
        category: 'books',
        region: 'europe',
        orders: 4,
        revenue: [{ currency: 'USD', amountMinor: 5998 }],
      });
      expect(pairs.rows.find((row) => row.category === 'toys')).toMatchObject({ orders: 2, revenue: [] });
      const toysOnly = await json<{ rows: Record<string, unknown>[] }>('/v1/reports/sales', {
        ...range,
        category: 'toys',
      });
      expect(toysOnly.rows.map((row) => row.orders)).toEqual([2, 2, 1]);
      expect(toysOnly.rows[0]).not.toHaveProperty('category');
    });

    it('answers CSV that parses to the same numbers', async () => {
      const answer = await get('/v1/reports/sales', { ...range, groupBy: 'region' }, { accept: 'text/csv' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
      const rows = parseCsv(answer.text, { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(3);
      expect(rows[0]).toMatchObject({
        windowStart: iso(W1),
        final: 'true',
        region: 'europe',
        orders: '6',
        uniqueCustomers: '4',
        revenueMinor_USD: '5998',
        averageOrderValue_JPY: '1500',
      });
    });

    it('refuses bad parameters with 400 and every reason', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ to: range.to }, 'from'],
        [{ ...range, interval: '7m' }, 'interval'],
        [{ ...range, groupBy: 'product' }, 'groupBy'],
        [{ from: range.to, to: range.from }, 'to'],
        [{ ...range, region: 'mars' }, 'region'],
        [{ ...range, currency: 'dollars' }, 'currency'],
        [{ ...range, colour: 'red' }, '(root)'],
        [{ from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }, 'to'],
      ];
      for (const [params, path] of cases) {
        const answer = await get('/v1/reports/sales', params);
        expect({ params, status: answer.status }).toEqual({ params, status: 400 });
        const body = JSON.parse(answer.text) as {
          error: string;
          message: string;
          issues: { path: string }[];
        };
        expect(body.error).toBe('bad_request');
        expect(body.issues.map((issue) => issue.path)).toContain(path);
        expect(body.message).toContain(`${path}:`);
      }
    });
  });

  describe('GET /v1/reports/top-products', () => {
    it('ranks by revenue in one currency, or by units, with the limit', async () => {
      const byRevenue = await json<{ rows: Record<string, unknown>[] }>('/v1/reports/top-products', range);
      expect(byRevenue.rows.map((row) => [row.rank, row.productId, row.category])).toEqual([
        [1, 'sku-a', 'books'],
        [2, 'sku-b', 'books'],
      ]);
      expect(byRevenue.rows[0]).toMatchObject({
        windowStart: iso(W1),
        windowEnd: iso(W3 + MINUTE),
        final: false,
        units: 10,
        orders: 5,
        revenue: [{ currency: 'USD', amount: 99.95, amountMinor: 9995, orders: 5 }],
      });
      const jpy = await json<{ rows: Record<string, unknown>[] }>('/v1/reports/top-products', {
        ...range,
        currency: 'JPY',
      });
      expect(jpy.rows.map((row) => row.productId)).toEqual(['sku-t']);
      const byUnits = await json<{ rows: Record<string, unknown>[] }>('/v1/reports/top-products', {
        ...range,
        by: 'units',
        limit: '2',
      });
      expect(byUnits.rows.map((row) => [row.productId, row.units])).toEqual([
        ['sku-a', 10],
        ['sku-t', 10],
      ]);
      const csv = parseCsv((await get('/v1/reports/top-products', range, { accept: 'text/csv' })).text, {
        columns: true,
      }) as Record<string, string>[];
      expect(csv.map((row) => [row.rank, row.productId, row.revenueMinor_USD])).toEqual([
        ['1', 'sku-a', '9995'],
        ['2', 'sku-b', '5002'],
      ]);
      expect((await get('/v1/reports/top-products', { ...range, limit: '101' })).status).toBe(400);
    });
  });

  describe('GET /v1/reports/funnel', () => {
    it('gives views → cart adds → orders with conversions; final only when every window is', async () => {
      const all = await json<{ rows: Record<string, unknown>[] }>('/v1/reports/funnel', range);
      expect(all.rows).toEqual([
        {
          windowStart: iso(W1),
          windowEnd: iso(W3 + MINUTE),
          final: false,
          watermark: iso(W2 + 1_000),
          views: 50,
          cartAdds: 20,
          orders: 15,
          viewToCart: 0.4,
          cartToOrder: 0.75,
          viewToOrder: 0.3,
        },
      ]);
      const first = await json<{ rows: Record<string, unknown>[] }>('/v1/reports/funnel', {
        from: iso(W1),
        to: iso(W2),
        category: 'toys',
      });
      expect(first.rows[0]).toMatchObject({ final: true, category: 'toys', views: 8, orders: 2 });
      const csv = parseCsv((await get('/v1/reports/funnel', range, { accept: 'text/csv' })).text, {
        columns: true,
      }) as Record<string, string>[];
      expect(csv).toEqual([
        expect.objectContaining({ views: '50', cartAdds: '20', orders: '15', final: 'false' }),
      ]);
    });
  });

  describe('auth, docs and failures', () => {
    it('needs a valid read token for /v1 but not for health or docs', async () => {
      const none = await fetch(`${service.url}/v1/reports/funnel?${new URLSearchParams(range)}`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await fetch(`${service.url}/v1/alerts`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(403);
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      const docs = (await (await fetch(`${service.url}/docs-json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(docs.paths)).toEqual(
        expect.arrayContaining([
          '/v1/reports/sales',
          '/v1/reports/top-products',
          '/v1/reports/funnel',
          '/v1/alerts',
        ]),
      );
    });

    it('answers 503 with Retry-After when InfluxDB is unreachable', async () => {
      const cut = await start({ PULSE_INFLUX_URL: 'http://127.0.0.1:9' });
      try {
        const response = await fetch(`${cut.url}/v1/reports/sales?${new URLSearchParams(range)}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
      } finally {
        await cut.close();
      }
    });
  });

  describe('GET /v1/alerts', () => {
    it('lists the latest state per fingerprint, newest first, filtered by state and time', async () => {
      const loaded = await waitFor('the alert log to load', async () => {
        const answer = await get('/v1/alerts');
        return answer.status === 200 ? (JSON.parse(answer.text) as { alerts: AlertEvent[] }) : false;
      });
      expect(loaded.alerts.map((entry) => [entry.fingerprint, entry.state, entry.sequence])).toEqual([
        ['fp-3', 'firing', 1],
        ['fp-1', 'resolved', 2],
        ['fp-2', 'firing', 1],
      ]);
      const firing = JSON.parse(
        (await get('/v1/alerts', { state: 'firing', since: iso(now - 3 * MINUTE) })).text,
      ) as { alerts: AlertEvent[] };
      expect(firing.alerts.map((entry) => entry.fingerprint)).toEqual(['fp-3']);
      expect(JSON.parse((await get('/v1/alerts', { limit: '1' })).text).alerts).toHaveLength(1);
      expect((await get('/v1/alerts', { state: 'open' })).status).toBe(400);
    });

    it('holds at most PULSE_ALERTS_MAX alerts, the most recently changed', async () => {
      const bounded = await start({ PULSE_ALERTS_MAX: '2' });
      try {
        const alerts = await waitFor('the bounded alert log to load', async () => {
          const response = await fetch(`${bounded.url}/v1/alerts`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          return response.status === 200
            ? ((await response.json()) as { alerts: AlertEvent[] }).alerts
            : false;
        });
        expect(alerts.map((entry) => entry.fingerprint)).toEqual(['fp-3', 'fp-1']);
      } finally {
        await bounded.close();
      }
    });
  });
});
