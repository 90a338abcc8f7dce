import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  NAMESPACE,
  RELEASE,
  SERVICES,
  componentOf,
  ofKind,
  render,
  renderError,
  variants,
  type K8sObject,
  type RenderOptions,
  type ServiceName,
} from './render';

type Deployment = IDeployment & K8sObject;
type Hpa = IHorizontalPodAutoscaler & K8sObject;
type ScaledObject = IScaledObject & K8sObject;
type Pdb = IPodDisruptionBudget & K8sObject;

const execFileAsync = promisify(execFile);

const PRODUCTION: RenderOptions = { valuesFiles: ['ci/production-values.yaml'] };
const MINIMAL: RenderOptions = { valuesFiles: ['ci/minimal-values.yaml'] };

function deploymentOf(objects: K8sObject[], service: ServiceName): Deployment {
  const matches = ofKind<Deployment>(objects, 'Deployment').filter((d) => componentOf(d) === service);
  if (matches.length !== 1) throw new Error(`expected one Deployment for ${service}, got ${matches.length}`);
  return matches[0] as Deployment;
}

function podSpecOf(deployment: { spec?: { template: { spec?: IPodSpec } } }): IPodSpec {
  const spec = deployment.spec?.template.spec;
  if (!spec) throw new Error('no pod spec');
  return spec;
}

function podSpecOfPod(pod: { spec?: IPodSpec }): IPodSpec {
  if (!pod.spec) throw new Error('no pod spec');
  return pod.spec;
}

function checksumOf(objects: K8sObject[], service: ServiceName): string {
  const checksum = deploymentOf(objects, service).spec?.template.metadata?.annotations?.['checksum/config'];
  if (!checksum) throw new Error(`no checksum/config on ${service}`);
  return checksum;
}

/** Autoscalers (HPA or ScaledObject) whose scale target is the named Deployment. */
function autoscalersOf(objects: K8sObject[], deploymentName: string): K8sObject[] {
  const hpas = ofKind<Hpa>(objects, 'HorizontalPodAutoscaler').filter(
    (h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === deploymentName,
  );
  const scaledObjects = ofKind<ScaledObject>(objects, 'ScaledObject').filter(
    (s) =>
      (s.spec.scaleTargetRef.kind ?? 'Deployment') === 'Deployment' &&
      s.spec.scaleTargetRef.name === deploymentName,
  );
  return [...hpas, ...scaledObjects];
}

describe.each(variants())('policies, values variant $name', ({ valuesFiles }) => {
  const objects = (): K8sObject[] => render({ valuesFiles });

  it('has exactly one Deployment per service, and a Service selecting its pods', () => {
    const all = objects();
    const deployments = ofKind<Deployment>(all, 'Deployment');
    expect(deployments.map(componentOf).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      const deployment = deploymentOf(all, service);
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      const svc = ofKind<IService & K8sObject>(all, 'Service').filter((s) => componentOf(s) === service);
      expect(svc).toHaveLength(1);
      const selector = svc[0]?.spec?.selector ?? {};
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect(podLabels).toMatchObject(selector);
      expect(podLabels).toMatchObject(deployment.spec?.selector.matchLabels ?? { missing: 'selector' });
    }
  });

  it('gives each service at most one autoscaler (HPA or ScaledObject), and no replicas when it has one', () => {
    const all = objects();
    for (const service of SERVICES) {
      const deployment = deploymentOf(all, service);
      const autoscalers = autoscalersOf(all, deployment.metadata.name);
      expect(autoscalers.length).toBeLessThanOrEqual(1);
      if (autoscalers.length === 1) expect(deployment.spec).not.toHaveProperty('replicas');
      else expect(deployment.spec?.replicas).toEqual(expect.any(Number));
    }
    // and no autoscaler points at anything else
    const targets = [
      ...ofKind<Hpa>(all, 'HorizontalPodAutoscaler'),
      ...ofKind<ScaledObject>(all, 'ScaledObject'),
    ];
    for (const autoscaler of targets) {
      const spec = autoscaler.spec as { scaleTargetRef: { name: string } };
      expect(SERVICES.map((s) => deploymentOf(all, s).metadata.name)).toContain(spec.scaleTargetRef.name);
    }
  });

  it('renders a PodDisruptionBudget only for services that keep more than one replica', () => {
    const all = objects();
    for (const service of SERVICES) {
      const deployment = deploymentOf(all, service);
      const pdbs = ofKind<Pdb>(all, 'PodDisruptionBudget').filter((p) => componentOf(p) === service);
      const autoscaler = autoscalersOf(all, deployment.metadata.name)[0] as
        { spec: { minReplicas?: number; minReplicaCount?: number } } | undefined;
      const floor = autoscaler
        ? (autoscaler.spec.minReplicas ?? autoscaler.spec.minReplicaCount ?? 1)
        : (deployment.spec?.replicas ?? 1);
      if (floor <= 1) expect(pdbs).toHaveLength(0);
      for (const pdb of pdbs) {
        expect(pdb.spec?.selector?.matchLabels).toEqual(deployment.spec?.selector.matchLabels);
      }
    }
  });

  it('hardens every pod and container (probes, resources, non-root, read-only root, no capabilities, seccomp)', () => {
    const all = objects();
    const pods: { owner: string; spec: IPodSpec; probes: boolean }[] = [
      ...ofKind<Deployment>(all, 'Deployment').map((d) => ({
        owner: d.metadata.name,
        spec: podSpecOf(d),
        probes: true,
      })),
      ...ofKind<IJob & K8sObject>(all, 'Job').map((j) => ({
        owner: j.metadata.name,
        spec: podSpecOf(j),
        probes: false,
      })),
      // bare pods: the `helm test` hook
      ...ofKind<IPod & K8sObject>(all, 'Pod').map((p) => ({
        owner: p.metadata.name,
        spec: podSpecOfPod(p),
        probes: false,
      })),
    ];
    expect(pods.length).toBeGreaterThanOrEqual(5);
    for (const { owner, spec, probes } of pods) {
      expect({ owner, automount: spec.automountServiceAccountToken }).toEqual({ owner, automount: false });
      const containers: IContainer[] = [...spec.containers, ...(spec.initContainers ?? [])];
      for (const container of containers) {
        const where = `${owner}/${container.name}`;
        const sc = container.securityContext ?? {};
        const podSc = spec.securityContext ?? {};
        expect({ where, runAsNonRoot: sc.runAsNonRoot ?? podSc.runAsNonRoot }).toEqual({
          where,
          runAsNonRoot: true,
        });
        expect({ where, readOnlyRootFilesystem: sc.readOnlyRootFilesystem }).toEqual({
          where,
          readOnlyRootFilesystem: true,
        });
        expect({ where, allowPrivilegeEscalation: sc.allowPrivilegeEscalation }).toEqual({
          where,
          allowPrivilegeEscalation: false,
        });
        expect({ where, drop: sc.capabilities?.drop }).toEqual({ where, drop: ['ALL'] });
        expect({ where, add: sc.capabilities?.add ?? [] }).toEqual({ where, add: [] });
        expect({ where, seccomp: (sc.seccompProfile ?? podSc.seccompProfile)?.type }).toEqual({
          where,
          seccomp: 'RuntimeDefault',
        });
        expect({ where, privileged: sc.privileged ?? false }).toEqual({ where, privileged: false });
        const { requests, limits } = container.resources ?? {};
        expect({ where, cpu: requests?.cpu, memory: requests?.memory, limit: limits?.memory }).toEqual({
          where,
          cpu: expect.anything(),
          memory: expect.anything(),
          limit: expect.anything(),
        });
        // a read-only root filesystem needs a writable /tmp
        const tmp = (container.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
        expect({ where, tmp: tmp?.name }).toEqual({ where, tmp: expect.any(String) });
        expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
        // secrets arrive as files, never as literal environment values
        for (const env of container.env ?? []) {
          expect({ where, env: env.name }).not.toEqual({
            where,
            env: expect.stringMatching(/(PASSWORD|TOKEN|WEBHOOK|API_KEYS)$/),
          });
        }
        if (probes) {
          expect({ where, live: container.livenessProbe?.httpGet?.path }).toEqual({
            where,
            live: '/health/live',
          });
          expect({ where, ready: container.readinessProbe?.httpGet?.path }).toEqual({
            where,
            ready: '/health/ready',
          });
          expect(container.livenessProbe?.httpGet?.port).toBe('http');
          expect(container.readinessProbe?.httpGet?.port).toBe('http');
          expect(container.ports?.find((p) => p.name === 'http')?.containerPort).toEqual(expect.any(Number));
        }
      }
    }
  });

  it('points every *_FILE variable at a file that a volume of the pod provides', () => {
    for (const deployment of ofKind<Deployment>(objects(), 'Deployment')) {
      const spec = podSpecOf(deployment);
      for (const container of spec.containers) {
        for (const env of (container.env ?? []).filter((e) => e.name.endsWith('_FILE'))) {
          const path = env.value ?? '';
          const mount = (container.volumeMounts ?? []).find((m) => path.startsWith(`${m.mountPath}/`));
          const volume = spec.volumes?.find((v) => v.name === mount?.name);
          const file = path.slice((mount?.mountPath.length ?? 0) + 1);
          const items = volume?.secret?.items ?? volume?.configMap?.items ?? [];
          const where = `${deployment.metadata.name} ${env.name}=${path}`;
          expect({ where, provided: items.some((item) => item.path === file) }).toEqual({
            where,
            provided: true,
          });
        }
      }
    }
  });

  it('finishes the graceful shutdown (preStop sleep + PULSE_SHUTDOWN_TIMEOUT) inside the grace period', () => {
    for (const deployment of ofKind<Deployment>(objects(), 'Deployment')) {
      const spec = podSpecOf(deployment);
      const container = spec.containers[0] as IContainer;
      const timeout = container.env?.find((e) => e.name === 'PULSE_SHUTDOWN_TIMEOUT')?.value ?? '';
      expect(timeout).toMatch(/^\d+s$/);
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(preStop + parseInt(timeout, 10)).toBeLessThan(spec.terminationGracePeriodSeconds ?? 30);
    }
  });

  it('labels every object with the app.kubernetes.io/* recommended labels', () => {
    for (const object of objects()) {
      const labels = object.metadata.labels ?? {};
      const where = `${object.kind}/${object.metadata.name}`;
      expect({ where, labels }).toEqual({
        where,
        labels: expect.objectContaining({
          'app.kubernetes.io/name': 'pulse',
          'app.kubernetes.io/instance': RELEASE,
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/part-of': 'pulse',
          'app.kubernetes.io/version': expect.any(String),
          'helm.sh/chart': expect.stringMatching(/^pulse-\d+\.\d+\.\d+/),
        }),
      });
      const perService = [
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'ScaledObject',
        'PodDisruptionBudget',
      ];
      if (perService.includes(object.kind)) expect(SERVICES).toContain(componentOf(object));
    }
  });

  it('keeps every ServiceAccount without an API token', () => {
    for (const sa of ofKind<K8sObject & { automountServiceAccountToken?: boolean }>(
      objects(),
      'ServiceAccount',
    )) {
      expect(sa.automountServiceAccountToken).toBe(false);
    }
  });
});

describe('autoscaling', () => {
  it('production: every service autoscaled, enrichment and aggregation by KEDA only, the others by an HPA only', () => {
    const all = render(PRODUCTION);
    const expected: Record<ServiceName, string> = {
      ingestion: 'HorizontalPodAutoscaler',
      enrichment: 'ScaledObject',
      aggregation: 'ScaledObject',
      alert: 'HorizontalPodAutoscaler',
      reporting: 'HorizontalPodAutoscaler',
    };
    for (const service of SERVICES) {
      const deployment = deploymentOf(all, service);
      const autoscalers = autoscalersOf(all, deployment.metadata.name);
      expect({ service, kinds: autoscalers.map((a) => a.kind) }).toEqual({
        service,
        kinds: [expected[service]],
      });
      expect(deployment.spec).not.toHaveProperty('replicas');
    }
  });

  it('HPA: autoscaling/v2 on CPU by default, memory when asked, stabilised scale-down', () => {
    const all = render(PRODUCTION);
    const ingestion = autoscalersOf(all, deploymentOf(all, 'ingestion').metadata.name)[0] as Hpa;
    expect(ingestion.apiVersion).toBe('autoscaling/v2');
    expect(ingestion.spec?.metrics?.map((m) => m.resource?.name)).toEqual(['cpu', 'memory']);
    expect(ingestion.spec?.behavior?.scaleDown?.stabilizationWindowSeconds).toBeGreaterThanOrEqual(60);
    const alert = autoscalersOf(all, deploymentOf(all, 'alert').metadata.name)[0] as Hpa;
    expect(alert.spec?.metrics?.map((m) => m.resource?.name)).toEqual(['cpu']);
  });

  it('KEDA: enrichment on its committed lag (Kafka trigger, prefixed topic, protocol >= 2.1.0), aggregation on Prometheus', () => {
    const all = render(PRODUCTION);
    const enrichment = autoscalersOf(all, deploymentOf(all, 'enrichment').metadata.name)[0] as ScaledObject;
    const trigger = enrichment.spec.triggers[0];
    expect(trigger?.type).toBe('kafka');
    expect(trigger?.metadata).toMatchObject({
      consumerGroup: 'pulse-enrichment',
      topic: 'prod.events.raw',
      bootstrapServers: 'pulse-kafka-bootstrap.kafka.svc:9093',
      // enrichment starts a new group at the beginning of events.raw
      offsetResetPolicy: 'earliest',
    });
    const [major = 0, minor = 0] = (trigger?.metadata['version'] ?? '0.0.0').split('.').map(Number);
    expect(major > 2 || (major === 2 && minor >= 1)).toBe(true);
    expect(trigger?.authenticationRef?.name).toBe('pulse-kafka');

    const aggregation = autoscalersOf(all, deploymentOf(all, 'aggregation').metadata.name)[0] as ScaledObject;
    expect(aggregation.spec.triggers.map((t) => t.type)).toEqual(['prometheus']);
    expect(aggregation.spec.triggers[0]?.metadata).toMatchObject({
      serverAddress: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
      threshold: '2000',
    });
  });

  it('sizes the V8 heap from the memory limit, and leaves NODE_OPTIONS to a service that sets it', () => {
    const nodeOptions = (all: K8sObject[], service: ServiceName): string | undefined =>
      (podSpecOf(deploymentOf(all, service)).containers[0] as IContainer).env?.find(
        (e) => e.name === 'NODE_OPTIONS',
      )?.value;
    const all = render({
      set: {
        'enrichment.resources.limits.memory': '1.5Gi',
        'enrichment.resources.requests.memory': '1Gi',
        'aggregation.heap.oldSpacePercent': 0,
      },
      setString: { 'ingestion.env.NODE_OPTIONS': '--max-old-space-size=64' },
    });
    // Defaults: 60 % of the 512Mi limit, young generation 3 × 8 MiB.
    expect(nodeOptions(all, 'alert')).toBe('--max-old-space-size=307 --max-semi-space-size=8');
    expect(nodeOptions(all, 'enrichment')).toBe('--max-old-space-size=921 --max-semi-space-size=8');
    expect(nodeOptions(all, 'aggregation')).toBeUndefined();
    expect(nodeOptions(all, 'ingestion')).toBe('--max-old-space-size=64');
  });

  it('alert can scale with KEDA on its own group; KEDA is refused for services that consume nothing', () => {
    const all = render({ set: { 'alert.autoscaling.keda.enabled': true } });
    const so = ofKind<ScaledObject>(all, 'ScaledObject');
    expect(so.map(componentOf)).toEqual(['alert']);
    expect(so[0]?.spec.triggers[0]?.type).toBe('prometheus');
    expect(so[0]?.spec.triggers[0]?.metadata['query']).toContain('group="pulse-alert"');
    expect(ofKind(all, 'HorizontalPodAutoscaler').map(componentOf)).not.toContain('alert');
    for (const service of ['ingestion', 'reporting']) {
      const error = renderError({
        set: { [`${service}.autoscaling.enabled`]: true, [`${service}.autoscaling.keda.enabled`]: true },
      });
      expect(error).toContain('is not a Kafka consumer');
    }
  });

  it('KEDA is only rendered with autoscaling on, and then never together with an HPA', () => {
    const off = render({
      set: { 'enrichment.autoscaling.enabled': false, 'enrichment.autoscaling.keda.enabled': true },
    });
    expect(ofKind(off, 'ScaledObject')).toHaveLength(0);
    expect(ofKind(off, 'HorizontalPodAutoscaler').map(componentOf)).not.toContain('enrichment');
    expect(deploymentOf(off, 'enrichment').spec?.replicas).toBe(2);
  });

  it('PDB follows the replica floor: none for one replica or an autoscaler with minReplicas 1', () => {
    expect(ofKind(render(MINIMAL), 'PodDisruptionBudget')).toHaveLength(0);
    expect(ofKind(render(), 'PodDisruptionBudget').map(componentOf).sort()).toEqual([...SERVICES].sort());
    const oneFloor = render({
      set: { 'ingestion.autoscaling.enabled': true, 'ingestion.autoscaling.minReplicas': 1 },
    });
    expect(ofKind(oneFloor, 'PodDisruptionBudget').map(componentOf)).not.toContain('ingestion');
    const disabled = render({ set: { 'defaults.pdb.enabled': false } });
    expect(ofKind(disabled, 'PodDisruptionBudget')).toHaveLength(0);
  });
});

describe('configuration and secrets', () => {
  it('a change of the alert rules changes the alert pod checksum, and only that one', () => {
    const before = render();
    const after = render({ setString: { 'alert.rules': 'rules: []\n' } });
    expect(checksumOf(after, 'alert')).not.toBe(checksumOf(before, 'alert'));
    for (const service of SERVICES.filter((s) => s !== 'alert')) {
      expect(checksumOf(after, service)).toBe(checksumOf(before, service));
    }
    const configMap = ofKind<K8sObject & { data: Record<string, string> }>(after, 'ConfigMap').find((c) =>
      c.metadata.name.endsWith('-config'),
    );
    expect(configMap?.data['alert-rules.yaml']).toBe('rules: []\n');
  });

  it('a change of a shared setting rolls every service; a secret change rolls the services that mount it', () => {
    const before = render();
    const brokers = render({ set: { 'kafka.brokers[0]': 'other:9092' } });
    for (const service of SERVICES)
      expect(checksumOf(brokers, service)).not.toBe(checksumOf(before, service));
    const keys = render({
      set: { 'secrets.apiKeys[0].name': 'a', 'secrets.apiKeys[0].sha256': 'ab'.repeat(32) },
    });
    expect(checksumOf(keys, 'ingestion')).not.toBe(checksumOf(before, 'ingestion'));
    expect(checksumOf(keys, 'enrichment')).toBe(checksumOf(before, 'enrichment'));
  });

  it('mounts the alert rules from the shared ConfigMap at the path PULSE_ALERT_RULES_FILE names', () => {
    const all = render();
    const spec = podSpecOf(deploymentOf(all, 'alert'));
    const container = spec.containers[0] as IContainer;
    const rulesFile = container.env?.find((e) => e.name === 'PULSE_ALERT_RULES_FILE')?.value;
    expect(rulesFile).toBe('/etc/pulse/rules/alert-rules.yaml');
    const mount = container.volumeMounts?.find((m) => m.mountPath === '/etc/pulse/rules');
    expect(mount?.subPath).toBeUndefined(); // a subPath mount would never see updates
    const volume = spec.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.configMap?.items).toEqual([{ key: 'alert-rules.yaml', path: 'alert-rules.yaml' }]);
  });

  it('with existingSecret, no Secret carrying values is rendered (even when values are also given)', () => {
    const values = {
      'secrets.existingSecret': 'pulse-credentials',
      'secrets.slackWebhookUrl': 'https://hooks.example.com/T000/B000/XXXX',
      'secrets.influxToken': 'influx-token-value',
      'secrets.kafkaSaslPassword': 'sasl-password-value',
      'kafka.sasl.enabled': true,
      'kafka.sasl.username': 'pulse',
    };
    const all = render({ set: values });
    expect(ofKind(all, 'Secret')).toHaveLength(0);
    const text = JSON.stringify(all);
    for (const secret of ['hooks.example.com', 'influx-token-value', 'sasl-password-value']) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    }
    // the pods read the existing Secret
    for (const service of SERVICES) {
      const secretVolume = podSpecOf(deploymentOf(all, service)).volumes?.find((v) => v.secret);
      expect(secretVolume?.secret?.secretName).toBe('pulse-credentials');
    }
    expect(ofKind(render(PRODUCTION), 'Secret')).toHaveLength(0);
  });

  it('without existingSecret the chart Secret holds hashes, and each service mounts only its keys', () => {
    const hash = 'cd'.repeat(32);
    const all = render({
      set: {
        'secrets.apiKeys[0].name': 'shop',
        'secrets.apiKeys[0].sha256': hash,
        'secrets.slackWebhookUrl': 'https://hooks.example.com/x',
        'secrets.alertWriteTokens[0].name': 'oncall',
        'secrets.alertWriteTokens[0].sha256': 'ef'.repeat(32),
        'secrets.alertReadTokens[0].name': 'grafana',
        'secrets.alertReadTokens[0].sha256': '01'.repeat(32),
      },
    });
    const [secret] = ofKind<K8sObject & { data: Record<string, string> }>(all, 'Secret');
    const secretText = (key: string) => Buffer.from(secret?.data[key] ?? '', 'base64').toString();
    expect(secretText('api-keys')).toBe(`shop:${hash}`);
    expect(secretText('alert-write-tokens')).toBe(`oncall:${'ef'.repeat(32)}`);
    expect(secretText('alert-read-tokens')).toBe(`grafana:${'01'.repeat(32)}`);
    const mounted = (service: ServiceName): string[] =>
      (podSpecOf(deploymentOf(all, service)).volumes?.find((v) => v.secret)?.secret?.items ?? []).map(
        (i) => i.key,
      );
    expect(mounted('ingestion')).toEqual(['api-keys']);
    expect(mounted('enrichment')).toEqual([]);
    expect(mounted('alert')).toEqual(['slack-webhook-url', 'alert-write-tokens', 'alert-read-tokens']);
    expect(mounted('reporting')).toEqual(['reporting-tokens']);
    const env = (podSpecOf(deploymentOf(all, 'alert')).containers[0] as IContainer).env ?? [];
    expect(env.find((e) => e.name === 'PULSE_SLACK_WEBHOOK_URL_FILE')?.value).toBe(
      '/etc/pulse/secrets/slack-webhook-url',
    );
    expect(env.find((e) => e.name === 'PULSE_ALERT_WRITE_TOKENS_FILE')?.value).toBe(
      '/etc/pulse/secrets/alert-write-tokens',
    );
    expect(env.find((e) => e.name === 'PULSE_ALERT_READ_TOKENS_FILE')?.value).toBe(
      '/etc/pulse/secrets/alert-read-tokens',
    );
  });

  it('refuses SASL without a password source', () => {
    expect(renderError({ set: { 'kafka.sasl.enabled': true, 'kafka.sasl.username': 'u' } })).toContain(
      'kafkaSaslPassword',
    );
  });

  it('refuses a rate-limit burst below the batch size (ingestion would refuse to start)', () => {
    const env = (podSpecOf(deploymentOf(render(), 'ingestion')).containers[0] as IContainer).env ?? [];
    const value = (name: string): number => Number(env.find((e) => e.name === name)?.value);
    expect(value('PULSE_RATE_LIMIT_BURST')).toBeGreaterThanOrEqual(value('PULSE_BATCH_MAX_EVENTS'));
    expect(renderError({ setString: { 'ingestion.env.PULSE_RATE_LIMIT_BURST': '500' } })).toContain(
      'PULSE_RATE_LIMIT_BURST (500) must be at least PULSE_BATCH_MAX_EVENTS',
    );
  });

  it("gives enrichment's startup probe longer than its reference load timeout", () => {
    const container = podSpecOf(deploymentOf(render(), 'enrichment')).containers[0] as IContainer;
    const probe = container.startupProbe;
    const timeoutMs = Number(container.env?.find((e) => e.name === 'PULSE_REFERENCE_LOAD_TIMEOUT_MS')?.value);
    expect(timeoutMs).toBe(120_000);
    expect((probe?.periodSeconds ?? 0) * (probe?.failureThreshold ?? 0)).toBeGreaterThanOrEqual(
      timeoutMs / 1000 + 10,
    );
    expect(
      renderError({ setString: { 'enrichment.env.PULSE_REFERENCE_LOAD_TIMEOUT_MS': '300000' } }),
    ).toContain(
      'enrichment.startupProbe allows 150 s (periodSeconds × failureThreshold) but PULSE_REFERENCE_LOAD_TIMEOUT_MS is 300000 ms',
    );
    const raised = render({
      setString: { 'enrichment.env.PULSE_REFERENCE_LOAD_TIMEOUT_MS': '300000' },
      set: { 'enrichment.startupProbe.failureThreshold': 160 },
    });
    const raisedProbe = (podSpecOf(deploymentOf(raised, 'enrichment')).containers[0] as IContainer)
      .startupProbe;
    expect(raisedProbe?.failureThreshold).toBe(160);
    expect(raisedProbe?.periodSeconds).toBe(2);
  });

  it('keeps CORS off by default', () => {
    const env = (podSpecOf(deploymentOf(render(), 'ingestion')).containers[0] as IContainer).env ?? [];
    expect(env.find((e) => e.name === 'PULSE_CORS_ORIGINS')?.value ?? '').toBe('');
  });
});

describe('topic hook job', () => {
  it('runs `topics ensure` of the CLI image before install and upgrade, with the topic layout', () => {
    const [job] = ofKind<IJob & K8sObject>(render(PRODUCTION), 'Job');
    expect(job?.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const container = podSpecOf(job as { spec?: { template: { spec?: IPodSpec } } })
      .containers[0] as IContainer;
    expect(container.args).toEqual(['topics', 'ensure']);
    expect(container.image).toBe('registry.example.com/pulse/pulse-cli:0.1.0');
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      PULSE_TOPIC_PREFIX: 'prod.',
      PULSE_TOPIC_PARTITIONS: '24',
      PULSE_TOPIC_REPLICATION_FACTOR: '3',
      PULSE_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      PULSE_KAFKA_SASL_PASSWORD_FILE: '/etc/pulse/secrets/kafka-sasl-password',
    });
  });

  it('brings its own ServiceAccount (and Secret when the chart owns the password) as earlier hooks', () => {
    const all = render({
      set: { 'kafka.sasl.enabled': true, 'kafka.sasl.username': 'u', 'secrets.kafkaSaslPassword': 'p' },
    });
    const hooks = all.filter((o) => o.metadata.annotations?.['helm.sh/hook'] !== undefined);
    const weight = (o: K8sObject): number => Number(o.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);
    const job = hooks.find((o) => o.kind === 'Job');
    if (!job) throw new Error('no hook job');
    for (const kind of ['ServiceAccount', 'Secret', 'NetworkPolicy']) {
      const hook = hooks.find((o) => o.kind === kind);
      expect({ kind, before: hook !== undefined && weight(hook) < weight(job) }).toEqual({
        kind,
        before: true,
      });
    }
    const jobSpec = podSpecOf(job as { spec?: { template: { spec?: IPodSpec } } });
    expect(jobSpec.serviceAccountName).toBe(hooks.find((o) => o.kind === 'ServiceAccount')?.metadata.name);
  });
});

describe('helm test pod', () => {
  type Pod = IPod & K8sObject;
  const testPods = (options: RenderOptions = {}): Pod[] =>
    ofKind<Pod>(render(options), 'Pod').filter((p) => p.metadata.annotations?.['helm.sh/hook'] === 'test');

  it('asks every enabled service for /health/ready through its Service, and nothing else', () => {
    const [pod, ...more] = testPods({ set: { 'reporting.enabled': false } });
    expect(more).toHaveLength(0);
    if (!pod) throw new Error('no test pod');
    expect(pod.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe(
      'before-hook-creation,hook-succeeded',
    );
    expect(pod.spec?.restartPolicy).toBe('Never');
    const urls = (pod.spec?.containers[0]?.command ?? []).filter((arg) => arg.startsWith('http://'));
    expect(urls).toEqual([
      `http://${RELEASE}-ingestion.${NAMESPACE}.svc:3001/health/ready`,
      `http://${RELEASE}-enrichment.${NAMESPACE}.svc:3002/health/ready`,
      `http://${RELEASE}-aggregation.${NAMESPACE}.svc:3003/health/ready`,
      `http://${RELEASE}-alert.${NAMESPACE}.svc:3004/health/ready`,
    ]);
  });

  it('its script passes when every URL answers 200 and fails on any other status or no answer', async () => {
    const [pod] = testPods();
    const command = pod?.spec?.containers[0]?.command ?? [];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const script = command[2] ?? '';
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/ready' ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const run = async (...urls: string[]): Promise<{ code: number; out: string }> => {
      try {
        const { stdout } = await execFileAsync(process.execPath, ['-e', script, ...urls], {
          encoding: 'utf8',
        });
        return { code: 0, out: stdout };
      } catch (error) {
        const { code, stdout } = error as { code?: number; stdout?: string };
        return { code: code ?? -1, out: stdout ?? '' };
      }
    };
    try {
      expect(await run(`${base}/ready`, `${base}/ready`)).toEqual({
        code: 0,
        out: expect.stringContaining('200'),
      });
      expect(await run(`${base}/ready`, `${base}/not-ready`)).toEqual({
        code: 1,
        out: expect.stringContaining('503'),
      });
      // nothing listens on port 9 of loopback: refused
      expect(await run('http://127.0.0.1:9/ready')).toEqual({
        code: 1,
        out: expect.stringContaining('failed'),
      });
    } finally {
      server.close();
    }
  });

  it('is admitted by each service NetworkPolicy on the HTTP port, by its own labels only', () => {
    const [pod] = testPods();
    const policies = ofKind<INetworkPolicy & K8sObject>(render(), 'NetworkPolicy').filter((p) =>
      (SERVICES as readonly string[]).includes(componentOf(p) ?? ''),
    );
    expect(policies).toHaveLength(SERVICES.length);
    for (const policy of policies) {
      const admits = (policy.spec?.ingress ?? []).filter((rule) =>
        (rule.from ?? []).some(
          (peer) =>
            peer.namespaceSelector === undefined &&
            JSON.stringify(peer.podSelector?.matchLabels) ===
              JSON.stringify({
                'app.kubernetes.io/name': 'pulse',
                'app.kubernetes.io/instance': RELEASE,
                'app.kubernetes.io/component': 'test',
              }),
        ),
      );
      expect({ policy: policy.metadata.name, ports: admits.map((r) => r.ports?.map((p) => p.port)) }).toEqual(
        {
          policy: policy.metadata.name,
          ports: [['http']],
        },
      );
      for (const [key, value] of Object.entries(admits[0]?.from?.[0]?.podSelector?.matchLabels ?? {})) {
        expect(pod?.metadata.labels?.[key]).toBe(value);
      }
    }
  });

  it('renders neither the pod nor the policy rule with tests.enabled=false', () => {
    const all = render({ set: { 'tests.enabled': false } });
    expect(ofKind(all, 'Pod')).toHaveLength(0);
    for (const policy of ofKind<INetworkPolicy & K8sObject>(all, 'NetworkPolicy')) {
      const peers = (policy.spec?.ingress ?? []).flatMap((rule) => rule.from ?? []);
      expect(
        peers.some((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'test'),
      ).toBe(false);
    }
  });
});

describe('network policies', () => {
  const policies = (): Record<string, INetworkPolicy & K8sObject> =>
    Object.fromEntries(
      ofKind<INetworkPolicy & K8sObject>(render(), 'NetworkPolicy').map((p) => [componentOf(p), p]),
    );
  const egressPorts = (policy: INetworkPolicy | undefined): (string | number)[] =>
    (policy?.spec?.egress ?? []).flatMap((rule) => (rule.ports ?? []).map((p) => p.port ?? 'any'));

  it('admits any source only to the services that take external traffic', () => {
    const byService = policies();
    for (const service of SERVICES) {
      const rules = byService[service]?.spec?.ingress ?? [];
      const open = rules.some((rule) => rule.from === undefined);
      expect({ service, open }).toEqual({
        service,
        open: service === 'ingestion' || service === 'reporting',
      });
      for (const rule of rules) expect(rule.ports?.map((p) => p.port)).toEqual(['http']);
    }
  });

  it('lets each service reach DNS and Kafka, and only its own backends', () => {
    const byService = policies();
    for (const service of SERVICES) {
      const ports = egressPorts(byService[service]);
      expect(ports).toEqual(expect.arrayContaining([53, 9092]));
      expect({ service, influx: ports.includes(8086) }).toEqual({
        service,
        influx: service === 'aggregation' || service === 'reporting',
      });
      expect({ service, nats: ports.includes(4222), https: ports.includes(443) }).toEqual({
        service,
        nats: service === 'alert',
        https: service === 'alert',
      });
    }
  });

  it('every policy selects exactly one service pods and declares both directions', () => {
    for (const [service, policy] of Object.entries(policies())) {
      if (service === 'topics') continue;
      expect(policy.spec?.podSelector?.matchLabels).toEqual({
        'app.kubernetes.io/name': 'pulse',
        'app.kubernetes.io/instance': RELEASE,
        'app.kubernetes.io/component': service,
      });
      expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.metadata.namespace).toBe(NAMESPACE);
    }
  });
});

describe('optional objects', () => {
  it('all-optional-off renders only the core objects', () => {
    const kinds = new Set(render({ valuesFiles: ['ci/all-optional-off-values.yaml'] }).map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service']);
  });

  it('production renders ServiceMonitors for every service, the PrometheusRule and two Ingresses', () => {
    const all = render(PRODUCTION);
    expect(ofKind(all, 'ServiceMonitor').map(componentOf).sort()).toEqual([...SERVICES].sort());
    expect(ofKind(all, 'Ingress').map(componentOf).sort()).toEqual(['ingestion', 'reporting']);
    const [rule] = ofKind<K8sObject & { spec: { groups: { rules: { alert?: string; expr: string }[] }[] } }>(
      all,
      'PrometheusRule',
    );
    const rules = rule?.spec.groups.flatMap((g) => g.rules) ?? [];
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const metric of [
      'pulse_kafka_consumer_lag',
      'pulse_kafka_messages_dead_lettered_total',
      'pulse_kafka_messages_failed_total',
      'pulse_http_requests_total',
      // Both exported by every service (libs/observability, metrics.spec.ts checks the pair).
      'nodejs_heap_size_used_bytes',
      'pulse_nodejs_heap_size_limit_bytes',
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(exprs).toContain('status_code=~"5.."');
  });

  it('the heap-near-limit alert compares each pod with its own limit, at the configured share', () => {
    type Rules = K8sObject & {
      spec: { groups: { rules: { alert?: string; expr: string; for?: string }[] }[] };
    };
    const heapRule = (options: Parameters<typeof render>[0]) =>
      ofKind<Rules>(render(options), 'PrometheusRule')[0]
        ?.spec.groups.flatMap((g) => g.rules)
        .find((r) => r.alert === 'PulseHeapNearLimit');
    const rule = heapRule({
      set: { 'prometheusRule.enabled': true },
      setJson: { 'prometheusRule.heapNearLimit.threshold': 0.9 },
    });
    expect(rule?.for).toBe('10m');
    expect(rule?.expr).toMatch(/max by \(namespace, job, pod\) \(/);
    expect(rule?.expr).toMatch(/\/ on \(namespace, job, pod, service\)/);
    expect(rule?.expr).toMatch(/\) > 0\.9$/);
    expect(
      heapRule({ set: { 'prometheusRule.enabled': true, 'prometheusRule.heapNearLimit.enabled': false } }),
    ).toBeUndefined();
  });

  it('a disabled service disappears with all its objects', () => {
    const all = render({ set: { 'reporting.enabled': false } });
    expect(all.filter((o) => componentOf(o) === 'reporting')).toEqual([]);
    expect(ofKind(all, 'Deployment')).toHaveLength(4);
  });
});
