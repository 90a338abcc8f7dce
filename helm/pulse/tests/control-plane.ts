import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { helm, REPO_ROOT } from './render';

const execFileAsync = promisify(execFile);
const CLUSTER_SCRIPT = join(REPO_ROOT, 'tools/kube/cluster.sh');

/** A started control plane (tools/kube/cluster.sh): its kubeconfig and whether this run started it. */
export interface ControlPlane {
  kubeconfig: string;
  startedHere: boolean;
}

/**
 * Starts the control plane unless one already runs (then it is reused, and left running). A stopped
 * one's state is purged first, so each run starts from an empty etcd.
 */
export function startControlPlane(): ControlPlane {
  let running = true;
  try {
    execFileSync('bash', [CLUSTER_SCRIPT, 'status'], { stdio: 'ignore' });
  } catch {
    running = false;
  }
  if (!running) execFileSync('bash', [CLUSTER_SCRIPT, 'purge'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = execFileSync('bash', [CLUSTER_SCRIPT, 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kubeconfig = /^kubeconfig (.+)$/m.exec(out)?.[1];
  if (kubeconfig === undefined) throw new Error(`cluster.sh up printed no kubeconfig: ${out}`);
  return { kubeconfig, startedHere: !running };
}

export function stopControlPlane(plane: ControlPlane): void {
  if (plane.startedHere)
    execFileSync('bash', [CLUSTER_SCRIPT, 'down'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Paths of the CRD files (tools/kube/crds.sh: the projects' published Go modules). */
export function crdFiles(): string[] {
  const out = execFileSync('bash', [join(REPO_ROOT, 'tools/kube/crds.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n');
}

/** `helm <args> --kubeconfig …`; resolves with stdout, rejects with helm's output in the message. */
export async function runHelm(plane: ControlPlane, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(helm(), [...args, '--kubeconfig', plane.kubeconfig], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: unknown; stderr?: unknown };
    throw new Error(`helm ${args.join(' ')} failed:\n${String(stderr)}\n${String(stdout)}`);
  }
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    ownerReferences?: { kind: string; name: string }[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

interface KubeList<T> {
  items: T[];
}

export interface ApiResource {
  /** group/version, e.g. `apps/v1` or `v1` */
  groupVersion: string;
  /** plural resource name, e.g. `deployments` */
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority': string } }[];
  users: { user: { token: string } }[];
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 2000)}`);
  }
}

/** A minimal API client: bearer token and CA from the kubeconfig the control plane wrote. */
export class Kube {
  private readonly server: URL;
  private readonly ca: Buffer;
  private readonly token: string;
  private resources?: ApiResource[];

  constructor(kubeconfig: string) {
    const config = parse(readFileSync(kubeconfig, 'utf8')) as KubeconfigFile;
    const cluster = config.clusters[0]?.cluster;
    const user = config.users[0]?.user;
    if (!cluster || !user) throw new Error(`no cluster or user in ${kubeconfig}`);
    this.server = new URL(cluster.server);
    this.ca = readFileSync(cluster['certificate-authority']);
    this.token = user.token;
  }

  request(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<{ status: number; body: string; warnings: string[] }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.server.hostname,
          port: this.server.port,
          path,
          method,
          ca: this.ca,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': contentType }),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          // API warnings (deprecations, PodSecurity "would violate", ...): `299 - "text"` headers.
          const header = res.headers.warning;
          const warnings = (Array.isArray(header) ? header : header === undefined ? [] : [header]).map((w) =>
            w.replace(/^299 - "(.*)"$/, '$1'),
          );
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), warnings }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.request('GET', path);
    if (res.status !== 200) throw new KubeError(res.status, res.body, `GET ${path}`);
    return JSON.parse(res.body) as T;
  }

  async list<T = KubeObject>(path: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector === undefined ? '' : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    return (await this.get<KubeList<T>>(`${path}${query}`)).items;
  }

  /**
   * Server-side apply. `dryRun` runs admission and validation without persisting; `Strict` field
   * validation makes unknown or duplicate fields errors, for built-in kinds and CRD schemas alike.
   */
  async apply(
    object: KubeObject,
    options: { dryRun?: boolean } = {},
  ): Promise<{ object: KubeObject; warnings: string[] }> {
    const resource = await this.resourceFor(object.apiVersion, object.kind);
    const query = new URLSearchParams({
      fieldManager: 'pulse-chart-tests',
      fieldValidation: 'Strict',
      force: 'true',
    });
    if (options.dryRun) query.set('dryRun', 'All');
    const path = `${this.objectPath(resource, object.metadata.namespace, object.metadata.name)}?${query.toString()}`;
    const res = await this.request('PATCH', path, JSON.stringify(object), 'application/apply-patch+yaml');
    if (res.status !== 200 && res.status !== 201) {
      throw new KubeError(
        res.status,
        res.body,
        `apply ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
      );
    }
    return { object: JSON.parse(res.body) as KubeObject, warnings: res.warnings };
  }

  async delete(path: string): Promise<void> {
    const res = await this.request('DELETE', path);
    if (res.status !== 200 && res.status !== 202 && res.status !== 404)
      throw new KubeError(res.status, res.body, `DELETE ${path}`);
  }

  /** Every resource the server serves (all versions of every group; no subresources). */
  async discover(): Promise<ApiResource[]> {
    if (this.resources === undefined) {
      const groupVersions = ['v1'];
      const groups = await this.get<{ groups: { versions: { groupVersion: string }[] }[] }>('/apis');
      for (const group of groups.groups)
        for (const version of group.versions) groupVersions.push(version.groupVersion);
      const lists = await Promise.all(
        groupVersions.map(async (groupVersion) => {
          const path = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
          const list = await this.get<{ resources: Omit<ApiResource, 'groupVersion'>[] }>(path);
          return list.resources
            .filter((r) => !r.name.includes('/'))
            .map((r) => ({
              groupVersion,
              name: r.name,
              kind: r.kind,
              namespaced: r.namespaced,
              verbs: r.verbs,
            }));
        }),
      );
      this.resources = lists.flat();
    }
    return this.resources;
  }

  /** Forget discovery (after CRDs were added). */
  rediscover(): void {
    this.resources = undefined;
  }

  /** The preferred version of every listable resource, one entry per group and resource name. */
  async listableResources(): Promise<ApiResource[]> {
    const groups = await this.get<{ groups: { preferredVersion: { groupVersion: string } }[] }>('/apis');
    const preferred = new Set(['v1', ...groups.groups.map((g) => g.preferredVersion.groupVersion)]);
    return (await this.discover()).filter((r) => preferred.has(r.groupVersion) && r.verbs.includes('list'));
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    const find = async (): Promise<ApiResource | undefined> =>
      (await this.discover()).find((r) => r.groupVersion === apiVersion && r.kind === kind);
    let resource = await find();
    if (resource === undefined) {
      this.rediscover();
      resource = await find();
    }
    if (resource === undefined) throw new Error(`the server serves no ${kind} in ${apiVersion}`);
    return resource;
  }

  /** The collection of a resource across all namespaces (or at cluster scope). */
  collectionPath(resource: ApiResource): string {
    return `${resource.groupVersion === 'v1' ? '/api/v1' : `/apis/${resource.groupVersion}`}/${resource.name}`;
  }

  objectPath(resource: ApiResource, namespace: string | undefined, name?: string): string {
    const base = resource.groupVersion === 'v1' ? '/api/v1' : `/apis/${resource.groupVersion}`;
    const ns = resource.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
    return `${base}${ns}/${resource.name}${name === undefined ? '' : `/${name}`}`;
  }
}

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
