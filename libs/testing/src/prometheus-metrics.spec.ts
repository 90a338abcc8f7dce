import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Registry } from 'prom-client';
// The same test-only cycle as kafka-fixtures.ts: libs/kafka's integration specs use @pulse/testing.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { KafkaMetrics } from '@pulse/kafka';
import {
  liveServiceRegistryMetrics,
  metricProblems,
  metricsDefinedInSource,
  registeredMetrics,
  selectorsOf,
  type RegisteredMetric,
} from './prometheus-metrics';

const shape = ({ name, type, labels }: RegisteredMetric) => ({ name, type, labels: [...labels].sort() });

describe('the metric catalogue', () => {
  let catalogue: Map<string, RegisteredMetric>;
  beforeAll(async () => {
    catalogue = await registeredMetrics();
  });

  it("holds prom-client's standard process and Node.js metrics, unprefixed, and every service's own", () => {
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'pulse_nodejs_heap_size_limit_bytes',
      'pulse_http_request_duration_seconds',
      'pulse_kafka_consumer_lag',
      'pulse_ingestion_events_total',
      'pulse_enrichment_events_total',
      'pulse_aggregation_watermark_timestamp_seconds',
      'pulse_alert_notification_latency_seconds',
    ])
      expect({ name, registered: catalogue.has(name) }).toEqual({ name, registered: true });
    expect(catalogue.get('pulse_kafka_consumer_lag')).toMatchObject({
      type: 'gauge',
      labels: ['topic', 'group', 'partition'],
      source: 'libs/kafka/src/kafka-metrics.ts',
    });
  });

  it("names Pulse's own metrics by Prometheus' conventions", () => {
    // prom-client's defaults (source runService, no pulse_ prefix) are the standard names as they are.
    const own = [...catalogue.values()].filter(
      (metric) => metric.source !== 'runService' || metric.name.startsWith('pulse_'),
    );
    const problems = own.flatMap(({ name, type }) => [
      ...(name.startsWith('pulse_') ? [] : [`${name}: Pulse's own metrics start with pulse_`]),
      ...((type === 'counter') === name.endsWith('_total')
        ? []
        : [`${name}: counters, and only counters, end in _total`]),
      // A histogram or summary names the unit of what it observes (base units: seconds, bytes).
      ...((type === 'histogram' || type === 'summary') &&
      !/_(seconds|bytes|ratio|events|records|messages)$/.test(name)
        ? [`${name}: a ${type} ends in its unit`]
        : []),
      // A point in time is a Unix time in seconds, and says so.
      ...(/(watermark|timestamp|_time)(_|$)/.test(name) && !name.endsWith('_timestamp_seconds')
        ? [`${name}: a point in time ends in _timestamp_seconds`]
        : []),
      ...(/_(milliseconds|ms|kilobytes|megabytes)(_|$)/.test(name)
        ? [`${name}: use base units (seconds, bytes)`]
        : []),
    ]);
    expect(own.length).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });

  it('reads the same names, types and labels from the source as a live registry holds', async () => {
    // The source reading checked against live registries: runService's, and KafkaMetrics'.
    const source = await metricsDefinedInSource();
    const fromFile = (file: string) =>
      source
        .filter((metric) => metric.source === file)
        .map(shape)
        .sort((a, b) => a.name.localeCompare(b.name));
    const live = (await liveServiceRegistryMetrics()).filter(
      (metric) => metric.name.startsWith('pulse_'), // prom-client's defaults are not in Pulse's source
    );
    expect(fromFile('libs/observability/src/metrics.ts')).toEqual(
      live.map(shape).sort((a, b) => a.name.localeCompare(b.name)),
    );
    const kafka = new Registry();
    new KafkaMetrics(kafka);
    expect(fromFile('libs/kafka/src/kafka-metrics.ts')).toEqual(
      kafka
        .getMetricsAsArray()
        .map((metric) => ({
          name: metric.name,
          type: String(metric.type),
          labels: [...(metric as unknown as { labelNames: string[] }).labelNames].sort(),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  describe('refuses definitions it cannot read, instead of missing them', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'pulse-catalogue-'));
      for (const top of ['libs', 'services']) mkdirSync(join(root, top));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    it('reads labelNames from a const, and skips tests', async () => {
      write(
        'services/x/src/m.ts',
        "import { Histogram } from 'prom-client';\nconst labelNames = ['a', 'b'] as const;\nnew Histogram({ name: 'pulse_x_seconds', help: 'h', labelNames });\n",
      );
      write(
        'services/x/src/m.spec.ts',
        "import { Gauge } from 'prom-client';\nnew Gauge({ name: 'pulse_test' });\n",
      );
      write('libs/empty/README.md', '');
      expect(await metricsDefinedInSource(root)).toEqual([
        { name: 'pulse_x_seconds', type: 'histogram', labels: ['a', 'b'], source: 'services/x/src/m.ts' },
      ]);
    });

    it.each([
      [
        'a computed name',
        "import { Counter } from 'prom-client';\nnew Counter({ name: `pulse_${x}_total` });",
      ],
      [
        'a namespace import',
        "import * as client from 'prom-client';\nnew client.Counter({ name: 'pulse_a_total' });",
      ],
      ['a class passed as a value', "import { Gauge } from 'prom-client';\nmake(Gauge);"],
      ['a subclass', "import { Gauge } from 'prom-client';\nclass Mine extends Gauge {}"],
      ['the global registry', "import { register } from 'prom-client';\nregister.clear();"],
      [
        'default metrics elsewhere',
        "import { collectDefaultMetrics } from 'prom-client';\ncollectDefaultMetrics();",
      ],
    ])('%s', async (_, text) => {
      write('libs/y/src/m.ts', text);
      await expect(metricsDefinedInSource(root)).rejects.toThrow('libs/y/src/m.ts:');
    });
  });

  it('finds the metric names and matched labels of PromQL, with Prometheus’ grammar', () => {
    expect(
      selectorsOf(
        'histogram_quantile(0.99, sum by (le) (rate(a_bucket{x="1", "y"=~"2"}[5m]))) / on (job) b offset 1m and {__name__="c"} and label_replace(d, "l", "$1", "m", "(.*)")',
      ),
    ).toEqual([
      { metric: 'a_bucket', labels: ['x', 'y'] },
      { metric: 'b', labels: [] },
      { metric: 'c', labels: [] },
      { metric: 'd', labels: [] },
    ]);
    expect(() => selectorsOf('sum(rate(a[5m])')).toThrow('PromQL syntax error');
  });

  it('names unknown metrics, unknown labels and selectors without a metric', () => {
    const metrics = new Map<string, RegisteredMetric>([
      ['pulse_h_seconds', { name: 'pulse_h_seconds', type: 'histogram', labels: ['topic'], source: 's' }],
      ['pulse_c_total', { name: 'pulse_c_total', type: 'counter', labels: [], source: 's' }],
    ]);
    expect(
      metricProblems(
        'rate(pulse_h_seconds_bucket{le="1", topic="t", pulse_service="a", namespace="n", job="j"}[1m]) + pulse_h_seconds_count + pulse_c_total{service="x"}',
        metrics,
      ),
    ).toEqual([]);
    expect(
      metricProblems('pulse_c_total_bucket + pulse_gone + pulse_c_total{topic="t"} + {job="x"}', metrics),
    ).toEqual([
      'pulse_c_total_bucket is not a metric any Pulse service registers',
      'pulse_gone is not a metric any Pulse service registers',
      expect.stringMatching(/^pulse_c_total has no label topic/),
      expect.stringMatching(/^a selector without a metric name/),
    ]);
  });
});
