import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { metricProblems, registeredMetrics } from '@pulse/testing';
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

  it('read only metrics, and labels, that Pulse services register', async () => {
    const catalogue = await registeredMetrics();
    const rules = groups.flatMap((g) => g.rules);
    // Every rule the chart ships is on by default, so all of them are checked here.
    expect(rules).toHaveLength(6);
    for (const { alert, expr } of rules)
      expect({ alert, problems: metricProblems(expr, catalogue) }).toEqual({ alert, problems: [] });
  });

  /** One pod's usage and limit series (promtool value strings), and the job it belongs to. */
  type PodSeries = [job: string, pod: string, usage: string, limit: string];

  /**
   * Runs promtool on a per-pod "usage near its limit" alert: nothing at 5 m (before `for`), and at
   * 15 m exactly one warning, for `firing` of the aggregation job, at `percent`, with its
   * annotations expanded as Prometheus would.
   */
  const expectFiresForOnePod = (
    alert: string,
    [usageMetric, limitMetric]: [string, string],
    pods: PodSeries[],
    { firing, percent }: { firing: string; percent: string },
  ) => {
    // A sample's labels after a ServiceMonitor scrape: the service's own `pulse_service`, and the
    // target labels (`service` is the Kubernetes Service, named like the job).
    const target = (job: string, pod: string) =>
      `pulse_service="aggregation", namespace="${NAMESPACE}", job="${job}", pod="${pod}", service="${job}", instance="${pod}:3003"`;
    const expand = (text: string | undefined) =>
      (text ?? '')
        .replaceAll('{{ $labels.pod }}', firing)
        .replaceAll('{{ $value | humanizePercentage }}', percent);
    const annotations = annotationsOf(alert);
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: pods.flatMap(([job, pod, usage, limit]) => [
            { series: `${usageMetric}{${target(job, pod)}}`, values: usage },
            { series: `${limitMetric}{${target(job, pod)}}`, values: limit },
          ]),
          alert_rule_test: [
            { eval_time: '5m', alertname: alert, exp_alerts: [] },
            {
              eval_time: '15m',
              alertname: alert,
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', namespace: NAMESPACE, job: aggregationJob, pod: firing },
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
    const file = `${alert}-test.yaml`;
    writeFileSync(join(dir, file), stringify(test));
    expect(run('test', 'rules', file)).toContain('SUCCESS');
  };

  it('PulseHeapNearLimit fires for the pod near its own limit after `for`, not for others', () => {
    expectFiresForOnePod(
      'PulseHeapNearLimit',
      ['nodejs_heap_size_used_bytes', 'pulse_nodejs_heap_size_limit_bytes'],
      [
        // At 90 % of a 1 GB limit: fires. At 90 % of a 2 GB limit, the other pod is at 45 %.
        [aggregationJob, 'agg-a', '900000000x30', '1000000000x30'],
        [aggregationJob, 'agg-b', '900000000x30', '2000000000x30'],
        // Another release's job in the namespace: not ours to page about.
        ['other-aggregation', 'x', '990000000x30', '1000000000x30'],
      ],
      { firing: 'agg-a', percent: '90%' },
    );
  });

  it('PulseMemoryNearLimit fires for a pod near its container limit, never for a pod without one', () => {
    expectFiresForOnePod(
      'PulseMemoryNearLimit',
      ['process_resident_memory_bytes', 'pulse_process_memory_limit_bytes'],
      [
        // 950 MB of a 1 GB limit: fires (default threshold 0.9). 950 MB of 2 GB: 47.5 %.
        [aggregationJob, 'agg-a', '950000000x30', '1000000000x30'],
        [aggregationJob, 'agg-b', '950000000x30', '2000000000x30'],
        // No limit (0): a ratio would be +Inf; the pod must not fire.
        [aggregationJob, 'agg-c', '950000000x30', '0x30'],
        // Another release's job in the namespace: not ours to page about.
        ['other-aggregation', 'x', '990000000x30', '1000000000x30'],
      ],
      { firing: 'agg-a', percent: '95%' },
    );
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
