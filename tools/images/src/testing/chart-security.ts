import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The parts of a rendered pod template that decide how its container may run. */
export interface ChartPod {
  terminationGracePeriodSeconds?: number;
  securityContext?: PodSecurityContext;
  containers: ChartContainer[];
  volumes?: { name: string; emptyDir?: { sizeLimit?: string; medium?: string } }[];
}

interface PodSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  supplementalGroups?: number[];
  seccompProfile?: { type: string };
}

interface ContainerSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface ChartContainer {
  name: string;
  env?: { name: string; value?: string }[];
  securityContext?: ContainerSecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** How podman must run a container so that it gets what the chart's pod would. */
export interface PodmanSecurity {
  /** `--user`, `--read-only`, `--cap-drop`, `--security-opt`, `--tmpfs`, … */
  args: string[];
  user: number;
  group: number;
  /** Group that owns mounted secrets (the pod's fsGroup, else its group). */
  fsGroup: number;
  /** `podman stop -t`: the pod's grace period. */
  gracePeriodSeconds: number;
  /** The environment the chart gives the container (literal values only). */
  env: Record<string, string>;
}

/**
 * Translates a rendered pod's security settings into podman flags. Anything it cannot reproduce
 * faithfully (privileged, added capabilities, another seccomp profile, a root user) is an error:
 * then the suite would prove something other than what the chart deploys.
 */
export function podmanSecurity(pod: ChartPod, containerName: string): PodmanSecurity {
  const container = pod.containers.find((c) => c.name === containerName);
  if (!container) throw new Error(`the pod has no container ${containerName}`);
  const podContext = pod.securityContext ?? {};
  const own = container.securityContext ?? {};
  const user = own.runAsUser ?? podContext.runAsUser;
  const group = own.runAsGroup ?? podContext.runAsGroup ?? user;
  if (user === undefined || group === undefined) {
    throw new Error(`${containerName}: the chart sets no runAsUser; the image's USER would decide`);
  }
  if ((own.runAsNonRoot ?? podContext.runAsNonRoot) === true && user === 0) {
    throw new Error(`${containerName}: runAsNonRoot with runAsUser 0 would not start`);
  }
  if (own.privileged === true) throw new Error(`${containerName}: privileged containers are not reproduced`);
  for (const profile of [podContext.seccompProfile, own.seccompProfile]) {
    if (profile !== undefined && profile.type !== 'RuntimeDefault') {
      throw new Error(
        `${containerName}: seccomp profile ${profile.type} is not reproduced (podman applies its default)`,
      );
    }
  }
  const args = [`--user=${user}:${group}`];
  const fsGroup = podContext.fsGroup ?? group;
  for (const extra of new Set([fsGroup, ...(podContext.supplementalGroups ?? [])])) {
    if (extra !== group) args.push(`--group-add=${extra}`);
  }
  // podman's --read-only would also mount tmpfs on /tmp, /var/tmp and /run; the chart mounts only its own.
  if (own.readOnlyRootFilesystem === true) args.push('--read-only', '--read-only-tmpfs=false');
  if (own.allowPrivilegeEscalation === false) args.push('--security-opt=no-new-privileges');
  for (const capability of own.capabilities?.drop ?? []) args.push(`--cap-drop=${capability}`);
  for (const capability of own.capabilities?.add ?? []) {
    throw new Error(`${containerName}: added capability ${capability} is not reproduced`);
  }
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume?.emptyDir !== undefined) {
      const size =
        volume.emptyDir.sizeLimit === undefined ? '' : `,size=${bytesOf(volume.emptyDir.sizeLimit)}`;
      // An emptyDir is writable by the pod's users: world-writable with the sticky bit, as /tmp is.
      args.push(`--tmpfs=${mount.mountPath}:rw,nosuid,nodev,mode=1777${size}`);
    }
  }
  const env: Record<string, string> = {};
  for (const { name, value } of container.env ?? []) if (value !== undefined) env[name] = value;
  return { args, user, group, fsGroup, gracePeriodSeconds: pod.terminationGracePeriodSeconds ?? 30, env };
}

/** Kubernetes quantities as emptyDir size limits use them: 64Mi, 1Gi, 500M, 1048576. */
export function bytesOf(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported quantity ${quantity}`);
  const factor: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  return Number(match[1]) * (match[2] === undefined ? 1 : (factor[match[2]] as number));
}

interface RenderedObject {
  kind: string;
  spec?: { template?: { spec?: ChartPod }; jobTemplate?: unknown };
}

/**
 * The chart rendered with its default values (`helm template`, the pinned helm from
 * tools/helm/install-helm.sh): the pod of each service's Deployment and of the topics Job (cli).
 */
export function renderChartPods(repoRoot: string): { services: Map<string, ChartPod>; cli: ChartPod } {
  const installed = execFileSync('bash', [join(repoRoot, 'tools/helm/install-helm.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const helm = installed.trim().split('\n').at(-1) as string;
  const manifests = execFileSync(
    helm,
    ['template', 'pulse', join(repoRoot, 'helm/pulse'), '--namespace', 'pulse'],
    {
      encoding: 'utf8',
    },
  );
  const services = new Map<string, ChartPod>();
  let cli: ChartPod | undefined;
  for (const document of parseAllDocuments(manifests)) {
    const object = document.toJS() as RenderedObject | null;
    const pod = object?.spec?.template?.spec;
    if (!object || !pod) continue;
    if (object.kind === 'Deployment') {
      for (const container of pod.containers) services.set(container.name, pod);
    } else if (object.kind === 'Job' && pod.containers.some((c) => c.name === 'topics')) {
      cli = pod;
    }
  }
  if (!cli) throw new Error('the chart rendered no topics Job');
  return { services, cli };
}
