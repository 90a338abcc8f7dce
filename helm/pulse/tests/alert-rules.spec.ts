import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { NAMESPACE, componentOf, ofKind, promtool, render, type K8sObject } from './render';

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
type PrometheusRule = K8sObject & { spec: { groups: { name: string; rules: Rule[] }[] } };

/**
 * The chart's alert rules run through Prometheus' own rule engine (promtool): the PromQL parses,
 * and each alert fires on series shaped like the ones Pulse's services export, with the labels a
 * ServiceMonitor scrape adds, and only for this release's jobs.
 */
describe('PrometheusRule alerts, evaluated by promtool', () => {
  const all = render({ set: { 'prometheusRule.enabled': true } });
  const [rule] = ofKind<PrometheusRule>(all, 'PrometheusRule');
  const groups = rule?.spec.groups ?? [];
  const serviceName = (component: string) =>
    ofKind(all, 'Service').find((service) => componentOf(service) === component)?.metadata.name ?? '';
  const aggregationJob = serviceName('aggregation');
  const annotationsOf = (alert: string) =>
    groups.flatMap((g) => g.rules).find((r) => r.alert === alert)?.annotations;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulse-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) => {
    try {
      return execFileSync(promtool(), args, {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  };

  it('are valid rules', () => {
    expect(groups.flatMap((g) => g.rules).map((r) => r.alert)).toEqual(
      expect.arrayContaining(['PulseKafkaConsumerLagHigh', 'PulseHeapNearLimit', 'PulseMemoryNearLimit']),
    );
    expect(run('check', 'rules', 'rules.yaml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('PulseHeapNearLimit fires for the pod near its own limit after `for`, not for others', () => {
    // The scrape's target labels; `service` is the Service name (the exported one becomes exported_service).
    const target = (job: string, pod: string) =>
      `namespace="${NAMESPACE}", job="${job}", pod="${pod}", service="${job}", instance="${pod}:3003"`;
    const series = (name: string, job: string, pod: string, values: string) => ({
      series: `${name}{${target(job, pod)}}`,
      values,
    });
    const expand = (text: string | undefined, pod: string, value: string) =>
      (text ?? '')
        .replaceAll('{{ $labels.pod }}', pod)
        .replaceAll('{{ $value | humanizePercentage }}', value);
    const annotations = annotationsOf('PulseHeapNearLimit');
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // At 90 % of a 1 GB limit: fires. At 90 % of a 2 GB limit, the other pod is at 45 %.
            series('pulse_nodejs_heap_size_used_bytes', aggregationJob, 'agg-a', '900000000x30'),
            series('pulse_nodejs_heap_size_limit_bytes', aggregationJob, 'agg-a', '1000000000x30'),
            series('pulse_nodejs_heap_size_used_bytes', aggregationJob, 'agg-b', '900000000x30'),
            series('pulse_nodejs_heap_size_limit_bytes', aggregationJob, 'agg-b', '2000000000x30'),
            // Another release's job in the namespace: not ours to page about.
            series('pulse_nodejs_heap_size_used_bytes', 'other-aggregation', 'x', '990000000x30'),
            series('pulse_nodejs_heap_size_limit_bytes', 'other-aggregation', 'x', '1000000000x30'),
          ],
          alert_rule_test: [
            { eval_time: '5m', alertname: 'PulseHeapNearLimit', exp_alerts: [] },
            {
              eval_time: '15m',
              alertname: 'PulseHeapNearLimit',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    namespace: NAMESPACE,
                    job: aggregationJob,
                    pod: 'agg-a',
                  },
                  exp_annotations: {
                    summary: expand(annotations?.summary, 'agg-a', '90%'),
                    description: expand(annotations?.description, 'agg-a', '90%'),
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'heap-test.yaml'), stringify(test));
    expect(run('test', 'rules', 'heap-test.yaml')).toContain('SUCCESS');
  });

  it('PulseMemoryNearLimit fires for a pod near its container limit, never for a pod without one', () => {
    const target = (job: string, pod: string) =>
      `namespace="${NAMESPACE}", job="${job}", pod="${pod}", service="${job}", instance="${pod}:3003"`;
    const series = (name: string, job: string, pod: string, values: string) => ({
      series: `${name}{${target(job, pod)}}`,
      values,
    });
    const rss = 'pulse_process_resident_memory_bytes';
    const limit = 'pulse_process_memory_limit_bytes';
    const expand = (text: string | undefined, pod: string, value: string) =>
      (text ?? '')
        .replaceAll('{{ $labels.pod }}', pod)
        .replaceAll('{{ $value | humanizePercentage }}', value);
    const annotations = annotationsOf('PulseMemoryNearLimit');
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // 950 MB of a 1 GB limit: fires (default threshold 0.9). 950 MB of 2 GB: 47.5 %.
            series(rss, aggregationJob, 'agg-a', '950000000x30'),
            series(limit, aggregationJob, 'agg-a', '1000000000x30'),
            series(rss, aggregationJob, 'agg-b', '950000000x30'),
            series(limit, aggregationJob, 'agg-b', '2000000000x30'),
            // No limit (0): a ratio would be +Inf; the pod must not fire.
            series(rss, aggregationJob, 'agg-c', '950000000x30'),
            series(limit, aggregationJob, 'agg-c', '0x30'),
            // Another release's job in the namespace: not ours to page about.
            series(rss, 'other-aggregation', 'x', '990000000x30'),
            series(limit, 'other-aggregation', 'x', '1000000000x30'),
          ],
          alert_rule_test: [
            { eval_time: '5m', alertname: 'PulseMemoryNearLimit', exp_alerts: [] },
            {
              eval_time: '15m',
              alertname: 'PulseMemoryNearLimit',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    namespace: NAMESPACE,
                    job: aggregationJob,
                    pod: 'agg-a',
                  },
                  exp_annotations: {
                    summary: expand(annotations?.summary, 'agg-a', '95%'),
                    description: expand(annotations?.description, 'agg-a', '95%'),
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'memory-test.yaml'), stringify(test));
    expect(run('test', 'rules', 'memory-test.yaml')).toContain('SUCCESS');
  });

  it('PulseKafkaConsumerLagHigh sums a group’s partitions and fires above the threshold', () => {
    const lag = (partition: number, values: string) => ({
      series: `pulse_kafka_consumer_lag{namespace="${NAMESPACE}", job="${aggregationJob}", pod="agg-a", group="pulse-aggregation", topic="events.enriched", partition="${partition}"}`,
      values,
    });
    const annotations = annotationsOf('PulseKafkaConsumerLagHigh');
    const expand = (text: string | undefined) =>
      (text ?? '')
        .replaceAll('{{ $labels.group }}', 'pulse-aggregation')
        .replaceAll('{{ $labels.topic }}', 'events.enriched')
        .replaceAll('{{ $value }}', '12000');
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          // 6,000 + 6,000: neither partition alone passes the default 10,000, their sum does.
          input_series: [lag(0, '6000x30'), lag(1, '6000x30')],
          alert_rule_test: [
            {
              eval_time: '15m',
              alertname: 'PulseKafkaConsumerLagHigh',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    namespace: NAMESPACE,
                    group: 'pulse-aggregation',
                    topic: 'events.enriched',
                  },
                  exp_annotations: {
                    summary: expand(annotations?.summary),
                    description: expand(annotations?.description),
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'lag-test.yaml'), stringify(test));
    expect(run('test', 'rules', 'lag-test.yaml')).toContain('SUCCESS');
  });
});
