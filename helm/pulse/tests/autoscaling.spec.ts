import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { stringify } from 'yaml';
import { metricProblems, registeredMetrics } from '@pulse/testing';
import {
  NAMESPACE,
  SERVICES,
  componentOf,
  ofKind,
  promtool,
  render,
  renderError,
  type K8sObject,
  type RenderOptions,
  type ServiceName,
} from './render';

type Deployment = IDeployment & K8sObject;
type Hpa = IHorizontalPodAutoscaler & K8sObject;
type ScaledObject = IScaledObject & K8sObject;
type Pdb = IPodDisruptionBudget & K8sObject;

const CONSUMERS = ['enrichment', 'aggregation', 'alert'] as const;
/** KEDA for every Kafka consumer, each on its default lag source. */
const KEDA_ALL: RenderOptions = {
  set: Object.fromEntries(CONSUMERS.map((s) => [`${s}.autoscaling.keda.enabled`, true])),
};

function one<T extends K8sObject>(objects: T[], service: ServiceName): T {
  const matches = objects.filter((o) => componentOf(o) === service);
  if (matches.length !== 1) throw new Error(`expected one object for ${service}, got ${matches.length}`);
  return matches[0] as T;
}
const hpaOf = (all: K8sObject[], service: ServiceName) =>
  one(ofKind<Hpa>(all, 'HorizontalPodAutoscaler'), service);
const scaledObjectOf = (all: K8sObject[], service: ServiceName) =>
  one(ofKind<ScaledObject>(all, 'ScaledObject'), service);
const deploymentOf = (all: K8sObject[], service: ServiceName) =>
  one(ofKind<Deployment>(all, 'Deployment'), service);
const envOf = (all: K8sObject[], service: ServiceName) =>
  Object.fromEntries(
    (deploymentOf(all, service).spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
  );
const queryOf = (so: ScaledObject) =>
  so.spec.triggers.find((t) => t.type === 'prometheus')?.metadata['query'];

describe('autoscaling by default: one CPU HPA per service', () => {
  const all = render();

  it('renders one HPA per service on CPU at 70 % of the request, and no replicas on the Deployments', () => {
    expect(ofKind(all, 'HorizontalPodAutoscaler').map(componentOf).sort()).toEqual([...SERVICES].sort());
    expect(ofKind(all, 'ScaledObject')).toHaveLength(0);
    for (const service of SERVICES) {
      const hpa = hpaOf(all, service);
      const deployment = deploymentOf(all, service);
      expect(hpa.spec?.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      expect(hpa.spec?.metrics).toEqual([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ]);
      expect(deployment.spec).not.toHaveProperty('replicas');
      // utilisation is a percentage of the request: without one the HPA cannot scale
      expect(deployment.spec?.template.spec?.containers[0]?.resources?.requests?.['cpu']).toBeTruthy();
    }
  });

  it('bounds each service by what it can use: consumers at most one pod per partition, alert at 4', () => {
    const bounds = Object.fromEntries(
      SERVICES.map((s) => [s, [hpaOf(all, s).spec?.minReplicas, hpaOf(all, s).spec?.maxReplicas]]),
    );
    expect(bounds).toEqual({
      ingestion: [2, 10],
      enrichment: [2, 12],
      aggregation: [2, 12],
      alert: [2, 4],
      reporting: [2, 6],
    });
    // topics.partitions (12 by default) caps every consumer, whatever maxReplicas says
    const few = render({ set: { 'topics.partitions': 3, 'enrichment.autoscaling.maxReplicas': 24 } });
    expect(CONSUMERS.map((s) => hpaOf(few, s).spec?.maxReplicas)).toEqual([3, 3, 3]);
    expect(hpaOf(few, 'ingestion').spec?.maxReplicas).toBe(10);
  });

  it('gives the stateful consumers a slow scale-down, the stateless services a quick one', () => {
    const down = (service: ServiceName) => hpaOf(all, service).spec?.behavior?.scaleDown;
    for (const service of ['aggregation', 'alert'] as const) {
      // a moved partition is rebuilt by replay: 30 calm minutes, then one pod per 10 minutes
      expect(down(service)).toEqual({
        stabilizationWindowSeconds: 1800,
        policies: [{ type: 'Pods', value: 1, periodSeconds: 600 }],
      });
    }
    expect(down('enrichment')).toEqual({
      stabilizationWindowSeconds: 600,
      policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
    });
    for (const service of ['ingestion', 'reporting'] as const) {
      expect(down(service)).toEqual({
        stabilizationWindowSeconds: 300,
        policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
      });
      expect(hpaOf(all, service).spec?.behavior?.scaleUp?.stabilizationWindowSeconds).toBe(0);
    }
  });

  it('keeps a PodDisruptionBudget per service that lets one pod of the minReplicas floor go', () => {
    for (const service of SERVICES) {
      const pdb = one(ofKind<Pdb>(all, 'PodDisruptionBudget'), service);
      expect(pdb.spec?.maxUnavailable).toBe(1);
      expect(hpaOf(all, service).spec?.minReplicas).toBeGreaterThan(1);
    }
    expect(renderError({ set: { 'aggregation.pdb.minAvailable': 2 } })).toContain(
      'aggregation.pdb.minAvailable (2) must be below the replica floor (2',
    );
    expect(renderError({ set: { 'alert.pdb.maxUnavailable': 0 } })).toContain(
      'alert.pdb.maxUnavailable must be at least 1',
    );
  });

  it('refuses a utilisation target without the request it is a percentage of, and a floor above the cap', () => {
    // alert and reporting inherit defaults.resources; helm drops a key set to null
    expect(renderError({ setJson: { 'defaults.resources.requests.cpu': null } })).toMatch(
      /(alert|reporting)\.autoscaling: targetCPUUtilizationPercentage needs \1\.resources\.requests\.cpu/,
    );
    expect(renderError({ set: { 'topics.partitions': 1 } })).toContain(
      'enrichment.autoscaling: minReplicas (2) is above maxReplicas (1',
    );
  });

  it('holds replicas fixed, with no HPA, when autoscaling is off', () => {
    const off = render({ set: { 'defaults.autoscaling.enabled': false } });
    expect(ofKind(off, 'HorizontalPodAutoscaler')).toHaveLength(0);
    for (const service of SERVICES) expect(deploymentOf(off, service).spec?.replicas).toBe(2);
  });
});

describe('KEDA: position-based lag, never committed offsets for aggregation and alert', () => {
  const all = render({ ...KEDA_ALL, set: { ...KEDA_ALL.set, 'topics.prefix': 'prod.' } });

  it('never renders an HPA and a ScaledObject for one service', () => {
    expect(ofKind(all, 'ScaledObject').map(componentOf).sort()).toEqual([...CONSUMERS].sort());
    expect(ofKind(all, 'HorizontalPodAutoscaler').map(componentOf).sort()).toEqual([
      'ingestion',
      'reporting',
    ]);
    for (const service of CONSUMERS) {
      const so = scaledObjectOf(all, service);
      expect(so.spec.minReplicaCount).toBe(2);
      expect(so.spec.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown).toBeDefined();
    }
    expect(scaledObjectOf(all, 'alert').spec.maxReplicaCount).toBe(4);
  });

  it('scales aggregation and alert through a Prometheus trigger on pulse_kafka_consumer_lag', () => {
    const expected: Record<'aggregation' | 'alert', { group: string; topics: string[] }> = {
      aggregation: { group: 'pulse-aggregation', topics: ['events.enriched'] },
      alert: {
        group: 'pulse-alert',
        topics: ['events.enriched', 'metrics.windowed', 'dead-letter', 'alerts.signals'],
      },
    };
    for (const [service, want] of Object.entries(expected)) {
      const so = scaledObjectOf(all, service as ServiceName);
      expect(so.spec.triggers.map((t) => t.type)).toEqual(['prometheus']);
      const trigger = so.spec.triggers[0];
      expect(trigger?.metadata).toMatchObject({
        serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
        threshold: '1000',
        activationThreshold: '0',
        ignoreNullValues: 'true',
      });
      const topics = want.topics.map((t) => `prod\\\\.${t.replaceAll('.', '\\\\.')}`).join('|');
      expect(trigger?.metadata['query']).toBe(
        `sum(max by (topic, partition) (pulse_kafka_consumer_lag{namespace="${NAMESPACE}", group="${want.group}", topic=~"${topics}"}))`,
      );
    }
  });

  it('refuses the committed-offset Kafka trigger for aggregation and alert; allows Prometheus for enrichment', () => {
    for (const service of ['aggregation', 'alert']) {
      const error = renderError({
        set: {
          [`${service}.autoscaling.keda.enabled`]: true,
          [`${service}.autoscaling.keda.lagSource`]: 'kafka',
        },
      });
      expect(error).toContain(`${service}.autoscaling.keda.lagSource: kafka reads committed offsets`);
    }
    // also when inherited from defaults
    expect(
      renderError({
        set: { 'aggregation.autoscaling.keda.enabled': true, 'defaults.autoscaling.keda.lagSource': 'kafka' },
      }),
    ).toContain('aggregation.autoscaling.keda.lagSource: kafka');
    const enrichment = scaledObjectOf(
      render({
        set: {
          'enrichment.autoscaling.keda.enabled': true,
          'enrichment.autoscaling.keda.lagSource': 'prometheus',
        },
      }),
      'enrichment',
    );
    expect(enrichment.spec.triggers.map((t) => t.type)).toEqual(['prometheus']);
    expect(queryOf(enrichment)).toContain('group="pulse-enrichment", topic=~"events\\\\.raw"');
  });

  it('needs the Prometheus address', () => {
    expect(
      renderError({
        set: { 'alert.autoscaling.keda.enabled': true },
        setString: { 'alert.autoscaling.keda.prometheus.serverAddress': '' },
      }),
    ).toContain('alert.autoscaling.keda.prometheus.serverAddress');
  });
});

describe('consumer group: one value for the service and for KEDA', () => {
  it('names the group in every consumer Deployment', () => {
    const all = render();
    expect(CONSUMERS.map((s) => envOf(all, s)['PULSE_CONSUMER_GROUP'])).toEqual([
      'pulse-enrichment',
      'pulse-aggregation',
      'pulse-alert',
    ]);
    for (const service of ['ingestion', 'reporting'] as const)
      expect(envOf(all, service)).not.toHaveProperty('PULSE_CONSUMER_GROUP');
  });

  it('watches the overridden PULSE_CONSUMER_GROUP, the one the Deployment gets', () => {
    const all = render({
      ...KEDA_ALL,
      setString: {
        'enrichment.env.PULSE_CONSUMER_GROUP': 'acme-enrichment',
        'aggregation.env.PULSE_CONSUMER_GROUP': 'acme-aggregation',
      },
      setJson: { 'alert.extraEnv': [{ name: 'PULSE_CONSUMER_GROUP', value: 'acme-alert' }] },
    });
    expect(envOf(all, 'enrichment')['PULSE_CONSUMER_GROUP']).toBe('acme-enrichment');
    expect(scaledObjectOf(all, 'enrichment').spec.triggers[0]?.metadata['consumerGroup']).toBe(
      'acme-enrichment',
    );
    expect(envOf(all, 'aggregation')['PULSE_CONSUMER_GROUP']).toBe('acme-aggregation');
    expect(queryOf(scaledObjectOf(all, 'aggregation'))).toContain('group="acme-aggregation"');
    // extraEnv is listed last (it wins in the pod), and the chart does not add a second entry
    const alertEnv = deploymentOf(all, 'alert').spec?.template.spec?.containers[0]?.env ?? [];
    expect(alertEnv.filter((e) => e.name === 'PULSE_CONSUMER_GROUP')).toEqual([
      { name: 'PULSE_CONSUMER_GROUP', value: 'acme-alert' },
    ]);
    expect(queryOf(scaledObjectOf(all, 'alert'))).toContain('group="acme-alert"');
  });

  it('refuses a group KEDA cannot know (valueFrom) or an empty one', () => {
    expect(
      renderError({
        set: { 'aggregation.autoscaling.keda.enabled': true },
        setJson: {
          'aggregation.extraEnv': [
            { name: 'PULSE_CONSUMER_GROUP', valueFrom: { configMapKeyRef: { name: 'x', key: 'group' } } },
          ],
        },
      }),
    ).toContain('aggregation.extraEnv: PULSE_CONSUMER_GROUP comes from valueFrom');
    expect(
      renderError({
        set: { 'alert.autoscaling.keda.enabled': true },
        setString: { 'alert.env.PULSE_CONSUMER_GROUP': '' },
      }),
    ).toContain('alert: PULSE_CONSUMER_GROUP is empty');
  });
});

/**
 * The ScaledObject's query run by Prometheus' own engine (promtool) on series shaped like the
 * consumers' exports with the labels a ServiceMonitor scrape adds.
 */
describe('the lag query, evaluated by promtool', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'pulse-lag-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sums the lag of each partition of the group once, ignoring other groups, topics and namespaces', async () => {
    const all = render({ set: { 'alert.autoscaling.keda.enabled': true, 'topics.prefix': 'prod.' } });
    const query = queryOf(scaledObjectOf(all, 'alert'));
    expect(metricProblems(query ?? '', await registeredMetrics())).toEqual([]);
    const series = (pod: string, group: string, topic: string, partition: number, namespace = NAMESPACE) =>
      `pulse_kafka_consumer_lag{namespace="${namespace}", job="pulse-alert", pod="${pod}", group="${group}", topic="${topic}", partition="${partition}"}`;
    const test = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: series('a', 'pulse-alert', 'prod.events.enriched', 0), values: '100x5' },
            { series: series('a', 'pulse-alert', 'prod.alerts.signals', 0), values: '7x5' },
            { series: series('b', 'pulse-alert', 'prod.events.enriched', 1), values: '200x5' },
            // around a rebalance the old and the new owner both report partition 1: counted once
            { series: series('a', 'pulse-alert', 'prod.events.enriched', 1), values: '150x5' },
            // the notifier's group, a topic the evaluator does not read, another release
            { series: series('a', 'pulse-alert-notifier', 'prod.alerts', 0), values: '5000x5' },
            { series: series('a', 'pulse-alert', 'prod.eventsXenriched', 2), values: '5000x5' },
            { series: series('c', 'pulse-alert', 'prod.events.enriched', 0, 'other'), values: '5000x5' },
          ],
          promql_expr_test: [{ expr: query, eval_time: '3m', exp_samples: [{ labels: '{}', value: 307 }] }],
        },
      ],
    };
    writeFileSync(join(dir, 'lag-test.yaml'), stringify(test));
    let out: string;
    try {
      out = execFileSync(promtool(), ['test', 'rules', 'lag-test.yaml'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`promtool failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
    expect(out).toContain('SUCCESS');
  });
});
