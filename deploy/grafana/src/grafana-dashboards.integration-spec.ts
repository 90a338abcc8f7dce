import { join } from 'node:path';
import { CompressionTypes } from 'kafkajs';
import { findRepoRoot, killLiveProcesses, startService } from '@pulse/fleet';
import { InfluxClient, type Series } from '@pulse/influx';
import {
  compileServices,
  createTestTopics,
  dropTestDatabase,
  stack,
  uniqueName,
  waitFor,
  type CompiledWorkspace,
  type TestTopics,
} from '@pulse/testing';
import {
  datasourceTypeOf,
  expandQuery,
  loadDashboards,
  panelsOf,
  variableQuery,
  type Dashboard,
} from './dashboards';
import { fixtureMessages } from './fixture-events';

/**
 * Every query of every panel and template variable of the dashboards, run against the real
 * InfluxDB after a real aggregation process wrote a generated stream into a fresh database:
 * no query may fail, and none may come back empty (the stream feeds every panel).
 */
const MINUTE = 60_000;
const START = Math.floor(Date.now() / MINUTE) * MINUTE - 15 * MINUTE;
const INTERVAL_MS = 2_000;

const influx = new InfluxClient({ url: stack.influxUrl, timeoutMs: 30_000 });

/** The series of one InfluxQL statement; a refused statement throws with InfluxDB's error. */
async function influxQL(database: string, query: string): Promise<Series[]> {
  const [series] = await influx.query(database, [query]);
  return series ?? [];
}

/** True when some series has a row with a value that is not null. */
function hasData(series: readonly Series[]): boolean {
  return series.some((entry) =>
    entry.rows.some((row) =>
      Object.entries(row).some(([column, value]) => column !== 'time' && value !== null),
    ),
  );
}

describe('Grafana dashboards against real aggregation output in InfluxDB', () => {
  const database = uniqueName('grafana');
  let topics: TestTopics;
  let build: CompiledWorkspace;

  beforeAll(async () => {
    const [createdTopics, compiled] = await Promise.allSettled([
      createTestTopics('grafana', 3),
      compileServices(['aggregation']),
    ]);
    if (createdTopics.status === 'fulfilled') topics = createdTopics.value;
    if (compiled.status === 'fulfilled') build = compiled.value;
    if (createdTopics.status === 'rejected') throw createdTopics.reason;
    if (compiled.status === 'rejected') throw compiled.reason;

    const producer = topics.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.names.eventsEnriched,
      compression: CompressionTypes.GZIP,
      messages: fixtureMessages(START, 10 * MINUTE, 3_000, 3).map((message) => ({
        ...message,
        timestamp: String(message.timestamp),
      })),
    });
    await producer.disconnect();
    const ends = new Map(
      (await topics.admin.fetchTopicOffsets(topics.names.eventsEnriched)).map((entry) => [
        entry.partition,
        Number(entry.high),
      ]),
    );

    const aggregation = await startService({
      name: 'aggregation',
      entry: build.entryOf('aggregation'),
      cwd: findRepoRoot(__dirname),
      logDir: join(build.dir, 'logs'),
      env: {
        PULSE_TOPIC_PREFIX: topics.prefix,
        PULSE_CONSUMER_GROUP: uniqueName('grafana-agg'),
        PULSE_INFLUX_URL: stack.influxUrl,
        PULSE_INFLUX_DATABASE: database,
        PULSE_WINDOWS: '1m,5m',
        PULSE_FLUSH_INTERVAL: '500ms',
        PULSE_PIPELINE_STATS_INTERVAL: '1s',
        PULSE_LOG_LEVEL: 'warn',
      },
    });
    await waitFor(
      'aggregation to write every partition to the end',
      async () => {
        const series = await influxQL(
          database,
          'SELECT last("offset") FROM "progress" GROUP BY "partition"',
        ).catch(() => []);
        const written = new Map(
          series.map((entry) => [Number(entry.tags.partition), Number(entry.rows[0]?.last)]),
        );
        return [...ends].every(([partition, end]) => written.get(partition) === end - 1);
      },
      { timeoutMs: 60_000 },
    );
    // A few more stats intervals, so interval-based panels (differences, rates) have several points.
    await new Promise((resolve) => setTimeout(resolve, 4 * INTERVAL_MS));
    await aggregation.process.stop();
  });

  afterAll(async () => {
    killLiveProcesses();
    await topics?.cleanup();
    build?.cleanup();
    await dropTestDatabase(database);
  });

  async function variableValues(dashboard: Dashboard): Promise<Record<string, string[]>> {
    const values: Record<string, string[]> = {};
    for (const variable of dashboard.templating.list) {
      const series = await influxQL(database, variableQuery(variable));
      values[variable.name] = series.flatMap((entry) => entry.rows.map((row) => String(row.value)));
      expect({ variable: variable.name, values: values[variable.name]?.length }).not.toEqual({
        variable: variable.name,
        values: 0,
      });
    }
    return values;
  }

  // The InfluxDB dashboards; the Prometheus one is checked against the services' metrics in dashboards.spec.ts.
  it.each(
    loadDashboards()
      .filter(({ dashboard }) => datasourceTypeOf(dashboard) === 'influxdb')
      .map(({ file, dashboard }) => [file, dashboard] as const),
  )('%s: every panel query runs and returns data', async (_, dashboard) => {
    const values = await variableValues(dashboard);
    const regexVariables = new Set(
      dashboard.templating.list
        .filter((variable) => variable.multi || variable.includeAll)
        .map((variable) => variable.name),
    );
    // Every window size, with the default currency (USD) and all categories and regions selected.
    const windows = values.window ?? ['-'];
    expect(
      dashboard.templating.list.some((variable) => variable.name === 'window') ? windows.sort() : windows,
    ).toEqual(
      dashboard.templating.list.some((variable) => variable.name === 'window') ? ['1m', '5m'] : ['-'],
    );
    let queries = 0;
    for (const window of windows) {
      const selection = { ...values, window: [window], currency: ['USD'] };
      for (const panel of panelsOf(dashboard).filter((candidate) => candidate.type !== 'row')) {
        for (const target of panel.targets ?? []) {
          const query = expandQuery(target.query as string, {
            fromMs: START - 10 * MINUTE,
            toMs: Date.now() + MINUTE,
            intervalMs: INTERVAL_MS,
            values: selection,
            regexVariables,
          });
          const series = await influxQL(database, query);
          expect({
            panel: panel.title,
            target: target.refId,
            window,
            hasData: hasData(series),
            query,
          }).toEqual({
            panel: panel.title,
            target: target.refId,
            window,
            hasData: true,
            query,
          });
          queries += 1;
        }
      }
    }
    expect(queries).toBeGreaterThan(10);
  });
});
