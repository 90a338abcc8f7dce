import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  crdFiles,
  eventually,
  Kube,
  KubeError,
  runHelm,
  startControlPlane,
  stopControlPlane,
  type ControlPlane,
  type KubeObject,
} from './control-plane';
import { CHART_DIR, SERVICES, type ServiceName } from './render';

/**
 * The chart against a real control plane (tools/kube/cluster.sh: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler; kwok plays the kubelets of two fake nodes). Every
 * ci/*-values.yaml is installed in its own namespace, which enforces the restricted Pod Security
 * Standard, then tested, upgraded, rolled back and uninstalled with the pinned helm.
 *
 * What is real: the API server's validation and admission (schemas, CRD schemas, PodSecurity,
 * ServiceAccount), its aggregation layer, the controllers (Deployments and their rolling updates,
 * ReplicaSets, Jobs, HPA, garbage collection, Endpoints), the scheduler and metrics-server. What is
 * simulated: no container runs. kwok marks a scheduled pod Running and Ready at once (probes are
 * not executed), completes the pods of Jobs and of `helm test`, finalises deletions, and serves
 * each fake node's kubelet resource metrics, with the CPU of each pod set by the test through an
 * annotation (1m when unset).
 */

const RUN = Date.now().toString(36);
const HELM_TIMEOUT = '5m';

interface Variant {
  file: string;
  release: string;
  namespace: string;
  values: ChartValues;
}

interface ChartValues {
  secrets?: { existingSecret?: string };
  topics?: { job?: { enabled?: boolean } };
  tests?: { enabled?: boolean };
  grafana?: { dashboards?: { namespace?: string }; datasource?: { namespace?: string } };
  [service: string]: unknown;
}

interface Deployment extends KubeObject {
  spec: { replicas?: number; template: { metadata: { annotations?: Record<string, string> } } };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}

interface ReplicaSet extends KubeObject {
  spec: { replicas?: number };
  status?: { replicas?: number; readyReplicas?: number };
}

interface HpaScalingRules {
  stabilizationWindowSeconds?: number;
  policies?: { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }[];
}

interface Hpa extends KubeObject {
  spec: {
    minReplicas?: number;
    maxReplicas: number;
    scaleTargetRef: { kind: string; name: string };
    metrics?: { type: string; resource?: { name: string; target: { averageUtilization?: number } } }[];
    behavior?: { scaleUp?: HpaScalingRules; scaleDown?: HpaScalingRules };
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    lastScaleTime?: string;
    currentMetrics?: {
      type: string;
      resource?: { name: string; current: { averageUtilization?: number } };
    }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface Pod extends KubeObject {
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

interface KubeEvent extends KubeObject {
  reason?: string;
  message?: string;
  involvedObject: { kind: string; name: string };
}

const VARIANTS: Variant[] = readdirSync(join(CHART_DIR, 'ci'))
  .filter((file) => file.endsWith('-values.yaml'))
  .sort()
  .map((file) => {
    const short = file.replace(/-values\.yaml$/, '');
    return {
      file: `ci/${file}`,
      release: `pulse-${short}`,
      namespace: `chart-${short}-${RUN}`,
      values: parse(readFileSync(join(CHART_DIR, 'ci', file), 'utf8')) as ChartValues,
    };
  });
const CHART_DEFAULTS = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
  secrets: { keys: Record<string, string> };
  alert: { rules: string };
};
/** The Grafana namespace production-values.yaml puts its dashboards and datasource in. */
const MONITORING = 'monitoring';

let plane: ControlPlane;
let kube: Kube;
const scratch = mkdtempSync(join(tmpdir(), 'pulse-chart-'));

function variant(short: string): Variant {
  const found = VARIANTS.find((v) => v.file === `ci/${short}-values.yaml`);
  if (!found) throw new Error(`no ci/${short}-values.yaml`);
  return found;
}

function helmValuesArgs(v: Variant, ...extraFiles: string[]): string[] {
  return ['-f', join(CHART_DIR, v.file), ...extraFiles.flatMap((f) => ['-f', f])];
}

async function applyAll(objects: KubeObject[]): Promise<void> {
  for (const object of objects) await kube.apply(object);
}

/** A namespace that enforces (and warns about) the restricted Pod Security Standard. */
function namespace(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
    },
  };
}

/** What a values file expects to exist before the install (as a cluster operator would provide). */
function prerequisites(v: Variant): KubeObject[] {
  const objects: KubeObject[] = [namespace(v.namespace)];
  const existing = v.values.secrets?.existingSecret;
  if (existing) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: existing, namespace: v.namespace },
      type: 'Opaque',
      stringData: Object.fromEntries(
        Object.values(CHART_DEFAULTS.secrets.keys).map((key) => [key, `test-${key}`]),
      ),
    });
  }
  for (const service of SERVICES) {
    const keda = (
      v.values[service] as { autoscaling?: { keda?: { authenticationRefName?: string } } } | undefined
    )?.autoscaling?.keda;
    if (keda?.authenticationRefName && !objects.some((o) => o.metadata.name === keda.authenticationRefName)) {
      objects.push({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: keda.authenticationRefName, namespace: v.namespace },
        spec: {
          secretTargetRef: [
            { parameter: 'password', name: existing ?? 'pulse-secrets', key: 'kafka-sasl-password' },
          ],
        },
      });
    }
  }
  return objects;
}

async function deployments(ns: string, release: string): Promise<Map<ServiceName, Deployment>> {
  const items = await kube.list<Deployment>(
    `/apis/apps/v1/namespaces/${ns}/deployments`,
    `app.kubernetes.io/instance=${release}`,
  );
  return new Map(items.map((d) => [d.metadata.labels?.['app.kubernetes.io/component'] as ServiceName, d]));
}

/**
 * Waits until every Deployment of the release is fully rolled out (no replica of an older
 * ReplicaSet left) and returns the pod-template-hash of each one's current ReplicaSet.
 */
async function rolledOut(ns: string, release: string): Promise<Record<string, string>> {
  return eventually(
    `the rollout of ${release}`,
    async () => {
      const hashes: Record<string, string> = {};
      const sets = await kube.list<ReplicaSet>(
        `/apis/apps/v1/namespaces/${ns}/replicasets`,
        `app.kubernetes.io/instance=${release}`,
      );
      for (const [service, d] of await deployments(ns, release)) {
        const status = d.status ?? {};
        const want = d.spec.replicas ?? 1;
        if (status.observedGeneration !== d.metadata.generation) return undefined;
        if (status.updatedReplicas !== want || status.readyReplicas !== want || status.replicas !== want)
          return undefined;
        const owned = sets.filter((rs) =>
          rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === d.metadata.name),
        );
        const revision = d.metadata.annotations?.['deployment.kubernetes.io/revision'];
        const current = owned.find(
          (rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision,
        );
        if (
          !current ||
          owned.some(
            (rs) => rs !== current && ((rs.spec.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0),
          )
        ) {
          return undefined;
        }
        hashes[service] = current.metadata.labels?.['pod-template-hash'] ?? '';
      }
      return hashes;
    },
    120_000,
  );
}

beforeAll(async () => {
  plane = startControlPlane();
  kube = new Kube(plane.kubeconfig);
  // The CRDs the chart's optional objects need, from the projects' own published definitions.
  const kinds: string[] = [];
  for (const file of crdFiles()) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as (KubeObject & { spec: { names: { kind: string } } }) | null;
      if (!crd) continue;
      await kube.apply(crd);
      kinds.push(crd.spec.names.kind);
    }
  }
  // A new CRD is served once Established, and discovery lists it a moment later.
  await eventually('the CRDs to be served', async () => {
    kube.rediscover();
    const served = new Set((await kube.discover()).map((r) => r.kind));
    return kinds.every((kind) => served.has(kind)) ? true : undefined;
  });
  await applyAll([namespace(MONITORING)]);
}, 40 * 60_000);

afterAll(async () => {
  if (kube) {
    for (const v of VARIANTS) await kube.delete(`/api/v1/namespaces/${v.namespace}`).catch(() => undefined);
  }
  if (plane) stopControlPlane(plane);
  rmSync(scratch, { recursive: true, force: true });
});

describe.each(VARIANTS)('$file', (v) => {
  it('installs with --wait: the hook job completes, every pod is scheduled and Ready', async () => {
    await applyAll(prerequisites(v));
    await runHelm(plane, [
      'install',
      v.release,
      CHART_DIR,
      '-n',
      v.namespace,
      ...helmValuesArgs(v),
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      HELM_TIMEOUT,
    ]);

    const hashes = await rolledOut(v.namespace, v.release);
    expect(Object.keys(hashes).sort()).toEqual([...SERVICES].sort());
    const pods = await kube.list<Pod>(
      `/api/v1/namespaces/${v.namespace}/pods`,
      `app.kubernetes.io/instance=${v.release}`,
    );
    expect(pods.length).toBeGreaterThanOrEqual(SERVICES.length);
    for (const pod of pods) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      expect({
        pod: pod.metadata.name,
        node: pod.spec.nodeName?.startsWith('kwok-node-'),
        phase: pod.status?.phase,
        ready,
      }).toEqual({
        pod: pod.metadata.name,
        node: true,
        phase: 'Running',
        ready: 'True',
      });
    }

    // The topic hook ran as a real Job: its controller reported it complete before helm went on
    // (and helm then deleted it: hook-delete-policy hook-succeeded).
    const jobEvents = (await kube.list<KubeEvent>(`/api/v1/namespaces/${v.namespace}/events`)).filter(
      (e) => e.involvedObject.kind === 'Job' && e.reason === 'Completed',
    );
    const hookJob = v.values.topics?.job?.enabled !== false;
    expect(jobEvents.map((e) => e.involvedObject.name)).toEqual(hookJob ? [`${v.release}-topics`] : []);
  });

  it('each HorizontalPodAutoscaler finds its Deployment and brings it to minReplicas', async () => {
    const manifest = await runHelm(plane, ['get', 'manifest', v.release, '-n', v.namespace]);
    const rendered = parseAllDocuments(manifest)
      .map((doc) => doc.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o?.kind === 'HorizontalPodAutoscaler')
      .map((o) => o.metadata.name)
      .sort();
    const hpas = await kube.list<Hpa>(
      `/apis/autoscaling/v2/namespaces/${v.namespace}/horizontalpodautoscalers`,
    );
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(rendered);
    for (const hpa of hpas) {
      // The HPA controller resolves the target's scale subresource (AbleToScale) and, with no
      // metrics source here, only enforces the floor.
      await eventually(
        `${hpa.metadata.name} to scale its target to ${hpa.spec.minReplicas ?? 1}`,
        async () => {
          const now = await kube.get<Hpa>(
            `/apis/autoscaling/v2/namespaces/${v.namespace}/horizontalpodautoscalers/${hpa.metadata.name}`,
          );
          const able = now.status?.conditions?.find((c) => c.type === 'AbleToScale')?.status;
          const target = await kube.get<Deployment>(
            `/apis/apps/v1/namespaces/${v.namespace}/deployments/${hpa.spec.scaleTargetRef.name}`,
          );
          const floor = hpa.spec.minReplicas ?? 1;
          return able === 'True' && target.spec.replicas === floor && target.status?.readyReplicas === floor
            ? true
            : undefined;
        },
      );
    }
  });

  it('every object of the release, hooks included, passes the server’s strict validation (server-side apply, dry run)', async () => {
    const manifests = [
      await runHelm(plane, ['get', 'manifest', v.release, '-n', v.namespace]),
      await runHelm(plane, ['get', 'hooks', v.release, '-n', v.namespace]),
    ].join('\n---\n');
    const objects = parseAllDocuments(manifests)
      .map((doc) => doc.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null);
    expect(objects.length).toBeGreaterThan(SERVICES.length * 2);
    const failures: string[] = [];
    const warnings: string[] = [];
    for (const object of objects) {
      const what = `${object.kind} ${object.metadata.name}`;
      try {
        const result = await kube.apply(object, { dryRun: true });
        warnings.push(...result.warnings.map((w) => `${what}: ${w}`));
      } catch (error) {
        failures.push(error instanceof KubeError ? error.message : `${what}: ${String(error)}`);
      }
    }
    expect(failures).toEqual([]);
    // No deprecation and no PodSecurity "would violate restricted" warning either.
    expect(warnings).toEqual([]);
  });

  it('helm test: the health pod succeeds and is removed', async () => {
    const out = await runHelm(plane, ['test', v.release, '-n', v.namespace, '--timeout', '2m']);
    if (v.values.tests?.enabled === false) {
      expect(out).toMatch(/TEST SUITE:\s+None/);
      return;
    }
    const pod = `${v.release}-test-health`;
    expect(out).toMatch(new RegExp(`TEST SUITE:\\s+${pod}[\\s\\S]*Phase:\\s+Succeeded`));
    await eventually(`the removal of ${pod}`, async () => {
      const res = await kube.request('GET', `/api/v1/namespaces/${v.namespace}/pods/${pod}`);
      return res.status === 404 ? true : undefined;
    });
  });
});

describe('upgrade and rollback (production values)', () => {
  const v = variant('production');
  let original: Record<string, string>;
  /** `helm upgrade --wait` of the release with its ci values plus `valuesFile`. */
  const upgrade = (valuesFile: string) =>
    runHelm(plane, [
      'upgrade',
      v.release,
      CHART_DIR,
      '-n',
      v.namespace,
      ...helmValuesArgs(v, valuesFile),
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      HELM_TIMEOUT,
    ]);

  it('changing the alert rules rolls only alert (its checksum/config); the other pods stay', async () => {
    original = await rolledOut(v.namespace, v.release);
    const before = await deployments(v.namespace, v.release);
    const rules = join(scratch, 'rules.yaml');
    writeFileSync(
      rules,
      JSON.stringify({ alert: { rules: `${CHART_DEFAULTS.alert.rules}# changed by the upgrade test\n` } }),
    );
    await upgrade(rules);

    const after = await rolledOut(v.namespace, v.release);
    const changed = SERVICES.filter((s) => after[s] !== original[s]);
    expect(changed).toEqual(['alert']);
    // The others' Deployments were not even touched (same generation: no new template).
    const now = await deployments(v.namespace, v.release);
    for (const service of SERVICES.filter((s) => s !== 'alert')) {
      expect({ service, generation: now.get(service)?.metadata.generation }).toEqual({
        service,
        generation: before.get(service)?.metadata.generation,
      });
    }
  });

  it('changing the shared configuration (log level) rolls every service', async () => {
    const previous = await rolledOut(v.namespace, v.release);
    const level = join(scratch, 'log-level.yaml');
    writeFileSync(level, JSON.stringify({ logLevel: 'warn' }));
    await upgrade(level);
    const after = await rolledOut(v.namespace, v.release);
    expect(SERVICES.filter((s) => after[s] === previous[s])).toEqual([]);
  });

  it('helm rollback to the first revision brings back its pod templates (the same ReplicaSets)', async () => {
    await runHelm(plane, [
      'rollback',
      v.release,
      '1',
      '-n',
      v.namespace,
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      HELM_TIMEOUT,
    ]);
    expect(await rolledOut(v.namespace, v.release)).toEqual(original);
    const history = JSON.parse(
      await runHelm(plane, ['history', v.release, '-n', v.namespace, '-o', 'json']),
    ) as {
      revision: number;
      status: string;
      description: string;
    }[];
    expect(history.at(-1)).toMatchObject({ revision: 4, status: 'deployed', description: 'Rollback to 1' });
  });
});

/** kwok's ClusterResourceUsage (tools/kube/cluster.sh) reads a pod's simulated CPU from this annotation. */
const USAGE_CPU = 'kwok.x-k8s.io/usage-cpu';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function condition(hpa: Hpa | undefined, type: string): { status?: string; reason?: string } {
  return hpa?.status?.conditions?.find((c) => c.type === type) ?? {};
}

function cpuUtilization(hpa: Hpa | undefined): number | undefined {
  return hpa?.status?.currentMetrics?.find((m) => m.resource?.name === 'cpu')?.resource?.current
    .averageUtilization;
}

/**
 * Holds kwok's simulated CPU usage of every pod of one component at `cpu` (null: back to kwok's
 * idle 1m) until the returned function is called: pods the HPA adds get it as soon as they appear,
 * as a real load would reach them.
 */
function simulateCpu(v: Variant, component: ServiceName, cpu: string | null): () => Promise<void> {
  let running = true;
  let failure: unknown;
  const selector = `app.kubernetes.io/instance=${v.release},app.kubernetes.io/component=${component}`;
  const loop = (async () => {
    while (running) {
      try {
        for (const pod of await kube.list<Pod>(`/api/v1/namespaces/${v.namespace}/pods`, selector)) {
          if ((pod.metadata.annotations?.[USAGE_CPU] ?? null) === cpu) continue;
          const patch = JSON.stringify({ metadata: { annotations: { [USAGE_CPU]: cpu } } });
          const path = `/api/v1/namespaces/${v.namespace}/pods/${pod.metadata.name}`;
          const res = await kube.request('PATCH', path, patch, 'application/merge-patch+json');
          // 404: removed by a scale-in meanwhile
          if (res.status !== 200 && res.status !== 404)
            throw new KubeError(res.status, res.body, `PATCH ${path}`);
        }
      } catch (error) {
        failure ??= error;
        return;
      }
      await sleep(500);
    }
  })();
  return async () => {
    running = false;
    await loop;
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  };
}

interface ScalingRecord {
  /** each value of an HPA's status.desiredReplicas, with the controller's lastScaleTime (ms) */
  steps: Map<ServiceName, { replicas: number; at: number }[]>;
  /** every spec.replicas value seen on each Deployment */
  seen: Map<ServiceName, Set<number>>;
  hpas: Map<ServiceName, Hpa>;
  deployments: Map<ServiceName, Deployment>;
}

/** Samples every HPA and Deployment of the release twice a second until `done` holds. */
async function watchScaling(
  v: Variant,
  what: string,
  done: (now: ScalingRecord) => boolean,
  timeoutMs: number,
): Promise<ScalingRecord> {
  const record: ScalingRecord = {
    steps: new Map(),
    seen: new Map(),
    hpas: new Map(),
    deployments: new Map(),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hpas = await kube.list<Hpa>(
      `/apis/autoscaling/v2/namespaces/${v.namespace}/horizontalpodautoscalers`,
      `app.kubernetes.io/instance=${v.release}`,
    );
    record.hpas = new Map(
      hpas.map((h) => [h.metadata.labels?.['app.kubernetes.io/component'] as ServiceName, h]),
    );
    record.deployments = await deployments(v.namespace, v.release);
    for (const [service, hpa] of record.hpas) {
      const steps = record.steps.get(service) ?? [];
      const desired = hpa.status?.desiredReplicas;
      if (desired !== undefined && steps.at(-1)?.replicas !== desired) {
        steps.push({ replicas: desired, at: Date.parse(hpa.status?.lastScaleTime ?? '') });
      }
      record.steps.set(service, steps);
    }
    for (const [service, d] of record.deployments) {
      const seen = record.seen.get(service) ?? new Set<number>();
      if (d.spec.replicas !== undefined) seen.add(d.spec.replicas);
      record.seen.set(service, seen);
    }
    if (done(record)) return record;
    if (Date.now() > deadline) {
      const state = [...record.hpas].map(
        ([s, h]) =>
          `${s}: desired ${h.status?.desiredReplicas} cpu ${cpuUtilization(h)}% ${JSON.stringify(h.status?.conditions)}`,
      );
      throw new Error(`timed out waiting for ${what}:\n${state.join('\n')}`);
    }
    await sleep(500);
  }
}

/** The replica counts an HPA moved through, checked against its scaling rules. */
function expectStepsWithin(
  steps: { replicas: number; at: number }[],
  rules: HpaScalingRules | undefined,
): void {
  const policy = rules?.policies?.[0];
  expect(rules?.policies).toHaveLength(1);
  if (!policy || policy.type !== 'Pods')
    throw new Error('the autoscaling values give one Pods policy per direction');
  for (const [i, after] of steps.entries()) {
    const before = steps[i - 1];
    if (before === undefined) continue;
    // At most `value` pods per step, and no second step within `periodSeconds` (lastScaleTime has
    // whole seconds, hence the second of slack).
    expect(Math.abs(after.replicas - before.replicas)).toBeLessThanOrEqual(policy.value);
    expect(after.at - before.at).toBeGreaterThanOrEqual((policy.periodSeconds - 1) * 1000);
  }
}

async function rescaleEvents(v: Variant, hpa: string): Promise<string[]> {
  return (await kube.list<KubeEvent>(`/api/v1/namespaces/${v.namespace}/events`))
    .filter((e) => e.involvedObject.kind === 'HorizontalPodAutoscaler' && e.involvedObject.name === hpa)
    .filter((e) => e.reason === 'SuccessfulRescale')
    .map((e) => e.message ?? '');
}

// The real HPA controller, fed by metrics-server through the aggregation layer; kwok serves the
// kubelets' resource metrics, with each pod's CPU set by the test (kwok's idle default: 1m). Every
// service has the same windows (ci/autoscaling-values.yaml), so only the load tells them apart.
describe('ci/autoscaling-values.yaml: each service scales on its own CPU', () => {
  const v = variant('autoscaling');
  const busy: ServiceName = 'enrichment';
  const others = SERVICES.filter((s) => s !== busy);
  const hpaOf = (record: ScalingRecord, service: ServiceName): Hpa => {
    const hpa = record.hpas.get(service);
    if (!hpa) throw new Error(`no HorizontalPodAutoscaler for ${service}`);
    return hpa;
  };
  /** At its floor and held there by it: the HPA computed fewer replicas than minReplicas. */
  const atFloor = (record: ScalingRecord, service: ServiceName): boolean => {
    const hpa = hpaOf(record, service);
    const d = record.deployments.get(service);
    return (
      cpuUtilization(hpa) !== undefined &&
      condition(hpa, 'ScalingActive').status === 'True' &&
      condition(hpa, 'ScalingLimited').reason === 'TooFewReplicas' &&
      hpa.status?.desiredReplicas === hpa.spec.minReplicas &&
      d?.spec.replicas === hpa.spec.minReplicas &&
      d?.status?.readyReplicas === hpa.spec.minReplicas
    );
  };
  const expectOthersAtFloor = (record: ScalingRecord) => {
    for (const service of others) {
      const hpa = hpaOf(record, service);
      expect({ service, replicas: [...(record.seen.get(service) ?? [])] }).toEqual({
        service,
        replicas: [hpa.spec.minReplicas],
      });
      expect({ service, atFloor: atFloor(record, service) }).toEqual({ service, atFloor: true });
    }
  };

  it('idle: every HPA reads its pods’ CPU from metrics.k8s.io and holds minReplicas', async () => {
    const record = await watchScaling(
      v,
      'every HPA to read its CPU',
      (r) => SERVICES.every((s) => atFloor(r, s)),
      120_000,
    );
    for (const service of SERVICES) {
      const hpa = hpaOf(record, service);
      const target = hpa.spec.metrics?.find((m) => m.resource?.name === 'cpu')?.resource?.target
        .averageUtilization;
      expect({ service, min: hpa.spec.minReplicas, max: hpa.spec.maxReplicas, target }).toEqual({
        service,
        min: 2,
        max: 4,
        target: 70,
      });
      expect(cpuUtilization(hpa)).toBeLessThan(10);
    }
    // The metrics API itself lists every pod of the release (what the HPA controller reads).
    const pods = await kube.list(
      `/api/v1/namespaces/${v.namespace}/pods`,
      `app.kubernetes.io/instance=${v.release}`,
    );
    const metrics = await kube.list(
      `/apis/metrics.k8s.io/v1beta1/namespaces/${v.namespace}/pods`,
      `app.kubernetes.io/instance=${v.release}`,
    );
    expect(metrics.map((m) => m.metadata.name).sort()).toEqual(pods.map((p) => p.metadata.name).sort());
  });

  it(`busy ${busy} pods: only ${busy} scales out, one pod per period, up to maxReplicas`, async () => {
    // Twice its CPU request (200m) in every pod: far above the 70 % target.
    const stop = simulateCpu(v, busy, '400m');
    let record: ScalingRecord;
    try {
      record = await watchScaling(
        v,
        `${busy} to reach maxReplicas`,
        (r) => {
          const hpa = hpaOf(r, busy);
          const d = r.deployments.get(busy);
          return (
            condition(hpa, 'ScalingLimited').reason === 'TooManyReplicas' &&
            d?.spec.replicas === hpa.spec.maxReplicas &&
            d.status?.readyReplicas === hpa.spec.maxReplicas
          );
        },
        180_000,
      );
    } finally {
      await stop();
    }
    const hpa = hpaOf(record, busy);
    expect(record.steps.get(busy)?.map((s) => s.replicas)).toEqual([2, 3, 4]);
    expectStepsWithin(record.steps.get(busy) ?? [], hpa.spec.behavior?.scaleUp);
    expect([...(record.seen.get(busy) ?? [])]).toEqual([2, 3, 4]);
    expect(cpuUtilization(hpa)).toBeGreaterThan(100);
    expect(await rescaleEvents(v, hpa.metadata.name)).toEqual(
      expect.arrayContaining([
        'New size: 3; reason: cpu resource utilization (percentage of request) above target',
        'New size: 4; reason: cpu resource utilization (percentage of request) above target',
      ]),
    );
    expectOthersAtFloor(record);
    for (const service of others) {
      const events = await rescaleEvents(v, hpaOf(record, service).metadata.name);
      expect({ service, events: events.filter((e) => e.includes('above target')) }).toEqual({
        service,
        events: [],
      });
    }
  });

  it(`idle again: ${busy} scales back in, one pod per period, to minReplicas`, async () => {
    const stop = simulateCpu(v, busy, null);
    let record: ScalingRecord;
    try {
      record = await watchScaling(v, `${busy} to return to minReplicas`, (r) => atFloor(r, busy), 180_000);
    } finally {
      await stop();
    }
    const hpa = hpaOf(record, busy);
    expect(record.steps.get(busy)?.map((s) => s.replicas)).toEqual([4, 3, 2]);
    expectStepsWithin(record.steps.get(busy) ?? [], hpa.spec.behavior?.scaleDown);
    expect(await rescaleEvents(v, hpa.metadata.name)).toEqual(
      expect.arrayContaining([
        'New size: 3; reason: All metrics below target',
        'New size: 2; reason: All metrics below target',
      ]),
    );
    expectOthersAtFloor(record);
  });
});

describe.each(VARIANTS)('$file uninstall', (v) => {
  it('helm uninstall leaves nothing the chart made, in any namespace or at cluster scope', async () => {
    await runHelm(plane, ['uninstall', v.release, '-n', v.namespace, '--wait', '--timeout', HELM_TIMEOUT]);
    const resources = await kube.listableResources();
    const selector = encodeURIComponent(`app.kubernetes.io/instance=${v.release}`);
    const leftovers = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const resource of resources) {
        const res = await kube.request('GET', `${kube.collectionPath(resource)}?labelSelector=${selector}`);
        if (res.status === 404 || res.status === 405) continue;
        if (res.status !== 200) throw new KubeError(res.status, res.body, `list ${resource.name}`);
        for (const item of (JSON.parse(res.body) as { items: KubeObject[] }).items) {
          found.push(`${resource.kind} ${item.metadata.namespace ?? ''}/${item.metadata.name}`);
        }
      }
      // helm's own release records (Secrets labelled owner=helm)
      const records = await kube.list(
        `/api/v1/namespaces/${v.namespace}/secrets`,
        `owner=helm,name=${v.release}`,
      );
      return [...found, ...records.map((s) => `helm release record ${s.metadata.name}`)];
    };
    // Pods and ReplicaSets go through the garbage collector after helm returns: allow it a moment.
    let left = await leftovers();
    for (
      const deadline = Date.now() + 120_000;
      left.length > 0 && Date.now() < deadline;
      left = await leftovers()
    ) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(left).toEqual([]);
  });
});
