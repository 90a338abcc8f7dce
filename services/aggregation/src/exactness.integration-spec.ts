import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { CompressionTypes } from 'kafkajs';
import { EventType, windowedMetricSchema, type WindowedMetric } from '@pulse/contracts';
import { findRepoRoot, killLiveProcesses, startService, type ServiceInstance } from '@pulse/fleet';
import {
  compileServices,
  createTestTopics,
  readAll,
  stack,
  startInfluxV2Api,
  testInflux,
  uniqueName,
  waitFor,
  type CompiledWorkspace,
  type TestTopics,
} from '@pulse/testing';
import { generateDataset, type LabelledMessage } from './testing/enriched-dataset';
import { differences, expectedMetrics, type ExpectedMetrics } from './testing/expected-metrics';
import { readProgress, readWindowMetrics } from './testing/influx-readback';

/**
 * Aggregation's exactness: the numbers in InfluxDB (and through the reporting API) equal an
 * independent computation over the same input — with one instance, with an instance killed by
 * SIGKILL mid-stream and restarted, and with a second instance joining mid-stream. Aggregation
 * and reporting run as separate OS processes built from this workspace.
 */
const MINUTE = 60_000;
const WINDOWS = [MINUTE, 5 * MINUTE];
const LATENESS = 30_000;
const PARTITIONS = 3;
const TOKEN = 'exactness-test-token';
// Recent event times: the topic's time-based retention would delete old ones.
const START = Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE - 35 * MINUTE;
const SPAN = 12 * MINUTE;
const RANGE = { from: START - 10 * MINUTE, to: START + SPAN + 10 * MINUTE };

describe('aggregation exactness (real Kafka and InfluxDB, services as separate processes)', () => {
  let topics: TestTopics;
  let build: CompiledWorkspace;
  let messages: LabelledMessage[];
  let expected: ExpectedMetrics;
  let logEnds: Map<number, number>;
  let secrets: string;
  const databases: string[] = [];
  /** Databases on the v2-API InfluxDB (the last case), dropped there. */
  const v2ApiDatabases: string[] = [];
  let v2ApiUrl: string | undefined;

  beforeAll(async () => {
    const started = Date.now();
    const [createdTopics, compiled] = await Promise.allSettled([
      createTestTopics('agg-exact', PARTITIONS),
      compileServices(['aggregation', 'reporting']),
    ]);
    // Keep whatever was made, so afterAll cleans it up even when the other failed.
    if (createdTopics.status === 'fulfilled') topics = createdTopics.value;
    if (compiled.status === 'fulfilled') build = compiled.value;
    if (createdTopics.status === 'rejected') throw createdTopics.reason;
    if (compiled.status === 'rejected') throw compiled.reason;
    messages = generateDataset({
      seed: 20261124,
      events: 50_000,
      partitions: PARTITIONS,
      startMs: START,
      spanMs: SPAN,
      windowsMs: WINDOWS,
      latenessMs: LATENESS,
      lateShare: 0.02,
      duplicateShare: 0.02,
      poison: 12,
      futureDatedPerPartition: 3,
      madeUpProductShare: 0.2,
    });
    expected = expectedMetrics(messages, WINDOWS);
    await produce(topics, messages);
    logEnds = await endOffsetsOf(topics);
    secrets = mkdtempSync(join(tmpdir(), 'pulse-exactness-'));
    writeFileSync(join(secrets, 'tokens'), `exactness:${createHash('sha256').update(TOKEN).digest('hex')}\n`);
    process.stdout.write(
      `[exactness] ${messages.length} messages produced and expectations computed in ${Date.now() - started} ms\n`,
    );
  });

  afterAll(async () => {
    killLiveProcesses();
    await topics?.cleanup();
    build?.cleanup();
    if (secrets !== undefined) rmSync(secrets, { recursive: true, force: true });
    for (const db of databases)
      await testInflux()
        .dropDatabase(db)
        .catch(() => undefined);
    if (v2ApiUrl !== undefined)
      for (const db of v2ApiDatabases)
        await testInflux(v2ApiUrl)
          .dropDatabase(db)
          .catch(() => undefined);
  });

  const aggregationEnv = (
    group: string,
    database: string,
    prefix: string,
    influx: Record<string, string>,
  ): Record<string, string> => ({
    PULSE_TOPIC_PREFIX: prefix,
    PULSE_CONSUMER_GROUP: group,
    PULSE_INFLUX_URL: stack.influxUrl,
    PULSE_INFLUX_DATABASE: database,
    ...influx,
    PULSE_WINDOWS: '1m,5m',
    PULSE_ALLOWED_LATENESS: '30s',
    PULSE_CONSUMER_SESSION_TIMEOUT: '6s',
    PULSE_FLUSH_INTERVAL: '500ms',
    PULSE_PIPELINE_STATS_INTERVAL: '1s',
    PULSE_LOG_LEVEL: 'warn',
  });

  const startAggregation = (
    name: string,
    group: string,
    database: string,
    prefix = topics.prefix,
    influx: Record<string, string> = {},
  ) =>
    startService({
      name,
      entry: build.entryOf('aggregation'),
      cwd: findRepoRoot(__dirname),
      logDir: join(build.dir, 'logs'),
      env: aggregationEnv(group, database, prefix, influx),
    });

  const startReporting = (database: string, influxUrl: string) =>
    startService({
      name: 'reporting',
      entry: build.entryOf('reporting'),
      cwd: findRepoRoot(__dirname),
      logDir: join(build.dir, 'logs'),
      env: {
        PULSE_TOPIC_PREFIX: topics.prefix,
        PULSE_INFLUX_URL: influxUrl,
        PULSE_INFLUX_DATABASE: database,
        PULSE_WINDOWS: '1m,5m',
        PULSE_REPORTING_TOKENS_FILE: join(secrets, 'tokens'),
        PULSE_LOG_LEVEL: 'warn',
      },
    });

  function newDatabase(label: string): string {
    const database = uniqueName(label);
    databases.push(database);
    return database;
  }

  /** Until every partition's progress (written with the windows) reached the end of the log. */
  async function waitUntilWritten(
    database: string,
    processes: ServiceInstance[],
    ends = logEnds,
    influxUrl = stack.influxUrl,
  ): Promise<void> {
    await waitFor(
      'aggregation to write every partition up to the end of the log',
      async () => {
        for (const service of processes) {
          if (!service.process.running)
            throw new Error(`${service.name} died:\n${service.process.logTail(60)}`);
        }
        const progress = await readProgress(database, influxUrl);
        return [...ends].every(([partition, end]) => progress.get(partition)?.offset === end - 1);
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\n${processes.map((p) => `--- ${p.name} ---\n${p.process.logTail(30)}`).join('\n')}`,
      );
    });
  }

  async function failedFlushes(service: ServiceInstance): Promise<number> {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    return [...text.matchAll(/^pulse_aggregation_flushes_total\{[^}]*result="failed"[^}]*\} (\d+)/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  }

  async function eventsCounted(service: ServiceInstance): Promise<number> {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    return [...text.matchAll(/^pulse_aggregation_events_total\{[^}]*\} (\d+)/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  }

  async function verifyInflux(database: string, influxUrl = stack.influxUrl): Promise<void> {
    const actual = await readWindowMetrics(
      database,
      RANGE.from - 60 * MINUTE,
      RANGE.to + 60 * MINUTE,
      influxUrl,
    );
    for (const name of ['activity', 'revenue', 'products', 'lateActivity', 'lateRevenue'] as const) {
      expect({
        [name]: differences(expected[name] as Map<string, unknown>, actual[name] as Map<string, unknown>),
      }).toEqual({ [name]: [] });
    }
    expect(expected.lateRevenue.size).toBeGreaterThan(10);
    expect(expected.products.size).toBeGreaterThan(1_000);
  }

  async function verifyReporting(database: string, influxUrl = stack.influxUrl): Promise<void> {
    const reporting = await startReporting(database, influxUrl);
    try {
      await verifyReports(reporting.url).catch((error: Error) => {
        error.message = `${error.message}\n--- reporting ---\n${reporting.process.logTail(30)}`;
        throw error;
      });
    } finally {
      await reporting.process.stop();
    }
  }

  async function verifyReports(baseUrl: string): Promise<void> {
    const fetchText = async (
      path: string,
      params: Record<string, string>,
      accept: string,
    ): Promise<string> => {
      const url = `${baseUrl}${path}?${new URLSearchParams({ from: new Date(RANGE.from).toISOString(), to: new Date(RANGE.to).toISOString(), ...params })}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}`, accept } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${url} → ${response.status} ${body}`);
      return body;
    };
    const get = async <Row>(path: string, params: Record<string, string>): Promise<{ rows: Row[] }> =>
      JSON.parse(await fetchText(path, params, 'application/json')) as { rows: Row[] };
    // The window is final once every partition's watermark passed its end.
    const globalWatermark =
      Math.min(
        ...Array.from({ length: PARTITIONS }, (_, p) =>
          Math.max(...messages.filter((m) => m.partition === p).map((m) => m.partitionMaxAfter)),
        ),
      ) - LATENESS;

    for (const [interval, groupBy, grouping] of [
      ['1m', 'category,region', 'category_region'],
      ['5m', 'total', 'total'],
      ['1m', 'region', 'region'],
      ['5m', 'category', 'category'],
    ] as const) {
      const { rows } = await get<SalesRow>('/v1/reports/sales', { interval, groupBy });
      const reported = new Map<string, unknown>();
      const reportedRevenue = new Map<string, unknown>();
      for (const row of rows) {
        const key = `${interval}|${Date.parse(row.windowStart)}|${grouping}|${row.category ?? ''}|${row.region ?? ''}`;
        reported.set(key, {
          orders: row.orders,
          units: row.units,
          customers: row.uniqueCustomers,
          views: row.views,
          cart_adds: row.cartAdds,
        });
        for (const money of row.revenue) {
          reportedRevenue.set(`${key}|${money.currency}`, {
            revenue_minor: money.amountMinor,
            orders: money.orders,
            units: null,
          });
        }
        expect({ window: row.windowStart, final: row.final }).toEqual({
          window: row.windowStart,
          final: Date.parse(row.windowEnd) <= globalWatermark,
        });
      }
      const wanted = new Map(
        [...expected.activity].filter(
          ([key]) => key.startsWith(`${interval}|`) && key.split('|')[2] === grouping,
        ),
      );
      expect({ groupBy, interval, differences: differences(wanted, reported) }).toEqual({
        groupBy,
        interval,
        differences: [],
      });
      const wantedRevenue = new Map(
        [...expected.revenue]
          .filter(([key]) => key.startsWith(`${interval}|`) && key.split('|')[2] === grouping)
          .map(([key, value]) => [
            key,
            { revenue_minor: value.revenue_minor, orders: value.orders, units: null },
          ]),
      );
      expect({ groupBy, interval, revenue: differences(wantedRevenue, reportedRevenue) }).toEqual({
        groupBy,
        interval,
        revenue: [],
      });
    }

    // Top products over the whole range, from the 1m windows.
    const productTotals = new Map<string, { units: number; usd: number }>();
    for (const [key, value] of expected.products) {
      const [window, , productId, currency] = key.split('|') as [string, string, string, string];
      if (window !== '1m') continue;
      const entry = productTotals.get(productId) ?? { units: 0, usd: 0 };
      entry.units += value.units;
      if (currency === 'USD') entry.usd += value.revenue_minor;
      productTotals.set(productId, entry);
    }
    const ranked = (by: 'units' | 'usd') =>
      [...productTotals]
        .filter(([, totals]) => totals[by] > 0)
        .sort(([idA, a], [idB, b]) => b[by] - a[by] || idA.localeCompare(idB))
        .slice(0, 10)
        .map(([productId, totals]) => ({ productId, value: totals[by] }));
    const byRevenue = await get<TopRow>('/v1/reports/top-products', {
      by: 'revenue',
      currency: 'USD',
      limit: '10',
    });
    expect(
      byRevenue.rows.map((row) => ({
        productId: row.productId,
        value: row.revenue.find((r) => r.currency === 'USD')?.amountMinor,
      })),
    ).toEqual(ranked('usd'));
    const byUnits = await get<TopRow>('/v1/reports/top-products', { by: 'units', limit: '10' });
    expect(byUnits.rows.map((row) => ({ productId: row.productId, value: row.units }))).toEqual(
      ranked('units'),
    );

    // Funnel over the range.
    const totals = [...expected.activity]
      .filter(([key]) => key.startsWith('1m|') && key.split('|')[2] === 'total')
      .map(([, value]) => value);
    const funnel = await get<Record<string, unknown>>('/v1/reports/funnel', {});
    expect(funnel.rows[0]).toMatchObject({
      views: totals.reduce((sum, value) => sum + value.views, 0),
      cartAdds: totals.reduce((sum, value) => sum + value.cart_adds, 0),
      orders: totals.reduce((sum, value) => sum + value.orders, 0),
      final: false,
    });

    // CSV: parses, and says the same as JSON.
    const json = await get<SalesRow>('/v1/reports/sales', { interval: '5m', groupBy: 'category' });
    const csv = parseCsv(
      await fetchText('/v1/reports/sales', { interval: '5m', groupBy: 'category' }, 'text/csv'),
      { columns: true },
    ) as Record<string, string>[];
    expect(csv).toHaveLength(json.rows.length);
    csv.forEach((line, index) => {
      const row = json.rows[index] as SalesRow;
      expect([
        line.windowStart,
        line.category,
        Number(line.orders),
        Number(line.uniqueCustomers),
        line.final,
      ]).toEqual([row.windowStart, row.category, row.orders, row.uniqueCustomers, String(row.final)]);
      for (const money of row.revenue)
        expect(Number(line[`revenueMinor_${money.currency}`])).toBe(money.amountMinor);
    });
  }

  it('one instance, straight through; also the metrics.windowed results and the dead-letter topic', async () => {
    // Its own topics: the output topics it checks hold this instance's records only, whatever
    // ran before it.
    const own = await createTestTopics('agg-exact-one', PARTITIONS);
    try {
      await produce(own, messages);
      await oneInstanceStraightThrough(own);
    } finally {
      await own.cleanup();
    }
  });

  async function oneInstanceStraightThrough(own: TestTopics): Promise<void> {
    const database = newDatabase('agg_exact_one');
    const started = Date.now();
    const aggregation = await startAggregation('aggregation', uniqueName('agg-one'), database, own.prefix);
    await waitUntilWritten(database, [aggregation], await endOffsetsOf(own));
    process.stdout.write(
      `[exactness] one instance: all ${messages.length} messages written in ${Date.now() - started} ms (incl. start-up)\n`,
    );
    await verifyInflux(database);
    await verifyReporting(database);

    // Thousands of product ids clients made up are one product, `unknown`: the series stay
    // bounded by the catalogue (200 products here), whatever clients send.
    const madeUp = new Set(
      messages.flatMap((message) =>
        message.event?.type === EventType.OrderPlaced
          ? message.event.data.lines.map((line) => line.productId).filter((id) => id.startsWith('made-up-'))
          : [],
      ),
    );
    expect(madeUp.size).toBeGreaterThan(2_000);
    const [series] = await testInflux().query(database, [
      'SHOW TAG VALUES CARDINALITY FROM "product_sales" WITH KEY = "product_id"',
    ]);
    const productIds = Number(series?.[0]?.rows[0]?.count);
    expect(productIds).toBeGreaterThan(100);
    expect(productIds).toBeLessThanOrEqual(201);

    // metrics.windowed: the latest result per window, group and source partition adds up.
    const results = (await readAll(own.kafka, own.names.metricsWindowed)).map((message) =>
      windowedMetricSchema.parse(JSON.parse(String(message.value))),
    );
    const latest = new Map<string, WindowedMetric>();
    for (const result of results) {
      latest.set(
        `${result.windowSizeMs}|${result.windowStart}|${result.grouping}|${result.category}|${result.region}|${result.productId}|${result.sourcePartition}`,
        result,
      );
    }
    const totals = new Map<string, { orders: number; views: number }>();
    for (const result of latest.values()) {
      if (result.grouping !== 'total') continue;
      const key = `${result.windowSizeMs === MINUTE ? '1m' : '5m'}|${Date.parse(result.windowStart)}|total||`;
      const entry = totals.get(key) ?? { orders: 0, views: 0 };
      if (result.orders > 0 || result.views > 0 || result.cartAdds > 0) {
        entry.orders += result.orders;
        entry.views += result.views;
        totals.set(key, entry);
      }
    }
    const wanted = new Map(
      [...expected.activity]
        .filter(([key]) => key.split('|')[2] === 'total')
        .map(([key, value]) => [key, { orders: value.orders, views: value.views }]),
    );
    expect(differences(wanted, totals)).toEqual([]);
    expect(results.some((result) => result.final)).toBe(true);

    const deadLetters = await readAll(own.kafka, own.names.deadLetter);
    expect(deadLetters).toHaveLength(messages.filter((message) => message.label === 'poison').length);
    await aggregation.process.stop();
  }

  it('an instance killed with SIGKILL mid-stream, then restarted, gives the same numbers', async () => {
    const database = newDatabase('agg_exact_kill');
    const group = uniqueName('agg-kill');
    const started = Date.now();
    const first = await startAggregation('aggregation-1', group, database);
    await waitFor(
      'the first instance to be mid-stream',
      async () => (await eventsCounted(first)) >= messages.length * 0.35,
      {
        timeoutMs: 60_000,
        intervalMs: 50,
      },
    );
    const countedBeforeKill = await eventsCounted(first);
    await first.process.kill('SIGKILL');
    expect(countedBeforeKill).toBeLessThan(messages.length);
    const second = await startAggregation('aggregation-2', group, database);
    await waitUntilWritten(database, [second]);
    process.stdout.write(
      `[exactness] SIGKILL after ${countedBeforeKill} events, restart: all written ${Date.now() - started} ms after the first start\n`,
    );
    await verifyInflux(database);
    await verifyReporting(database);
    await second.process.stop();
  });

  it('a second instance joining mid-stream (rebalance) gives the same numbers', async () => {
    // Its own topics, fed while the instances run: the second one joins a stream still flowing.
    const live = await createTestTopics('agg-exact-join', PARTITIONS);
    try {
      const database = newDatabase('agg_exact_join');
      const group = uniqueName('agg-join');
      const started = Date.now();
      const half = Math.floor(messages.length * 0.4);
      await produce(live, messages.slice(0, half));
      const first = await startAggregation('aggregation-1', group, database, live.prefix);
      await waitFor(
        'the first instance to be mid-stream',
        async () => (await eventsCounted(first)) >= messages.length * 0.3,
        {
          timeoutMs: 60_000,
          intervalMs: 50,
        },
      );
      const second = await startAggregation('aggregation-2', group, database, live.prefix);
      const countedBeforeJoin = await eventsCounted(first);
      await produce(live, messages.slice(half));
      await waitUntilWritten(database, [first, second], await endOffsetsOf(live));
      // Both instances worked on the stream after the rebalance.
      expect(await eventsCounted(first)).toBeGreaterThan(countedBeforeJoin);
      expect(await eventsCounted(second)).toBeGreaterThan(0);
      process.stdout.write(
        `[exactness] second instance joined after ${countedBeforeJoin} events: all written ${Date.now() - started} ms after the first start\n`,
      );
      await verifyInflux(database);
      await verifyReporting(database);
      await Promise.all([first.process.stop(), second.process.stop()]);
    } finally {
      await live.cleanup();
    }
  });

  it('through the InfluxDB 2.x write API (a real /api/v2/write), the same numbers; a missing bucket pauses it', async () => {
    // The Helm chart's default is PULSE_INFLUX_API=v2. InfluxDB 1.8 serves that API for real
    // (bucket = database); reporting reads it with InfluxQL as it reads 2.x through its DBRP mapping.
    v2ApiUrl = await startInfluxV2Api();
    const database = uniqueName('agg_exact_v2');
    v2ApiDatabases.push(database);
    const started = Date.now();
    const aggregation = await startAggregation('aggregation', uniqueName('agg-v2'), database, topics.prefix, {
      PULSE_INFLUX_URL: v2ApiUrl,
      PULSE_INFLUX_API: 'v2',
      PULSE_INFLUX_ORG: 'pulse',
      PULSE_INFLUX_BUCKET: database,
      PULSE_INFLUX_TOKEN: 'exactness-v2-token',
    });
    // The v2 writer creates no bucket (on 2.x that is the operator's): until it exists, writes fail
    // and aggregation holds its offsets.
    await waitFor(
      'a failed write to the missing bucket',
      async () => (await failedFlushes(aggregation)) > 0,
      {
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    expect(await readProgress(database, v2ApiUrl)).toEqual(new Map());
    await testInflux(v2ApiUrl).createDatabase(database);
    await waitUntilWritten(database, [aggregation], logEnds, v2ApiUrl);
    process.stdout.write(
      `[exactness] v2 write API: all ${messages.length} messages written in ${Date.now() - started} ms (incl. the wait for the bucket)\n`,
    );
    await verifyInflux(database, v2ApiUrl);
    await verifyReporting(database, v2ApiUrl);
    await aggregation.process.stop();
  });
});

interface SalesRow {
  windowStart: string;
  windowEnd: string;
  final: boolean;
  category?: string;
  region?: string;
  orders: number;
  units: number;
  uniqueCustomers: number;
  views: number;
  cartAdds: number;
  revenue: { currency: string; amountMinor: number; orders: number }[];
}

interface TopRow {
  productId: string;
  units: number;
  revenue: { currency: string; amountMinor: number }[];
}

/** The end offset of each partition of the topics' `events.enriched`. */
async function endOffsetsOf(topics: TestTopics): Promise<Map<number, number>> {
  const offsets = await topics.admin.fetchTopicOffsets(topics.names.eventsEnriched);
  return new Map(offsets.map((entry) => [entry.partition, Number(entry.high)]));
}

/** Produces the stream in big batches, each message to its partition, in order. */
async function produce(topics: TestTopics, messages: readonly LabelledMessage[]): Promise<void> {
  const producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 5_000) {
      await producer.send({
        topic: topics.names.eventsEnriched,
        acks: -1,
        // A batch per partition must stay under the broker's message.max.bytes (1 MB).
        compression: CompressionTypes.GZIP,
        messages: messages.slice(i, i + 5_000).map((message) => ({
          partition: message.partition,
          key: message.key,
          value: message.value,
          timestamp: String(message.timestamp),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
