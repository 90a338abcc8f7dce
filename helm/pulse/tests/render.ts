import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Repository root and chart directory (tests run from anywhere). */
export const REPO_ROOT = resolve(__dirname, '../../..');
export const CHART_DIR = resolve(__dirname, '..');

/** The Kubernetes version the kubernetes-models validators describe (5.x: Kubernetes 1.36). */
export const KUBE_VERSION = '1.36.0';
/** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion). */
export const OLDEST_KUBE_VERSION = '1.30.0';

export const RELEASE = 'pulse';
export const NAMESPACE = 'pulse-test';
export const SERVICES = ['ingestion', 'enrichment', 'aggregation', 'alert', 'reporting'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One rendered object; `spec` and the rest stay `unknown` until a test narrows them. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

interface Tools {
  helm: string;
  kubeStrict: string;
  promtool: string;
}
let tools: Tools | undefined;

/**
 * The pinned helm, the strict manifest decoder (tools/helm/kube-strict) and promtool, installed on
 * first use by the project's own script, which prints their paths, helm's last.
 */
function installTools(): Tools {
  if (tools === undefined) {
    const out = execFileSync(
      'bash',
      [join(REPO_ROOT, 'tools/helm/install-helm.sh'), '--kube-strict', '--promtool'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = out.trim().split('\n');
    const helmPath = lines[lines.length - 1];
    const kubeStrict = lines.find((line) => line.endsWith('/kube-strict'));
    const promtool = lines.find((line) => line.endsWith('/promtool'));
    if (!helmPath || !kubeStrict || !promtool)
      throw new Error(`install-helm.sh printed no tool paths: ${out}`);
    tools = { helm: helmPath, kubeStrict, promtool };
  }
  return tools;
}

/** Prometheus' promtool (`check rules`, `test rules`). */
export function promtool(): string {
  return installTools().promtool;
}

export function helm(): string {
  return installTools().helm;
}

/**
 * Decodes manifests with the API machinery's strict decoder (unknown or duplicate fields and wrong
 * types in built-in kinds are errors; CRD kinds are skipped). Returns the error lines.
 */
export function strictDecodeErrors(manifests: string): string[] {
  let out: string;
  try {
    out = execFileSync(installTools().kubeStrict, [], { input: manifests, encoding: 'utf8' });
  } catch (error) {
    const stdout = (error as { stdout?: unknown }).stdout;
    out = typeof stdout === 'string' && stdout !== '' ? stdout : `error kube-strict: ${String(error)}`;
  }
  const lines = out.split('\n');
  if (!lines.some((line) => line.startsWith('ok '))) return [`kube-strict decoded nothing: ${out}`];
  return lines.filter((line) => line.startsWith('error'));
}

export interface RenderOptions {
  /** values files, relative to the chart directory (e.g. `ci/minimal-values.yaml`) */
  valuesFiles?: string[];
  /** `--set` pairs */
  set?: Record<string, string | number | boolean>;
  /** `--set-string` pairs */
  setString?: Record<string, string>;
  /** `--set-json` pairs: typed values `--set` cannot give (helm's `--set` leaves 0.9 a string) */
  setJson?: Record<string, unknown>;
  kubeVersion?: string;
  /** render another copy of the chart (e.g. one with extra dashboard files) */
  chartDir?: string;
}

function helmArgs(options: RenderOptions): string[] {
  const chartDir = options.chartDir ?? CHART_DIR;
  const args = ['template', RELEASE, chartDir, '--namespace', NAMESPACE];
  args.push('--kube-version', options.kubeVersion ?? KUBE_VERSION);
  for (const file of options.valuesFiles ?? []) args.push('--values', join(chartDir, file));
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${String(value)}`);
  for (const [key, value] of Object.entries(options.setString ?? {}))
    args.push('--set-string', `${key}=${value}`);
  for (const [key, value] of Object.entries(options.setJson ?? {}))
    args.push('--set-json', `${key}=${JSON.stringify(value)}`);
  return args;
}

const cache = new Map<string, string>();

/** `helm template` → the manifests as text (hooks included). Cached per arguments. */
export function renderText(options: RenderOptions = {}): string {
  const args = helmArgs(options);
  const key = JSON.stringify(args);
  let out = cache.get(key);
  if (out === undefined) {
    out = execFileSync(helm(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    cache.set(key, out);
  }
  return out;
}

/** `helm template` → the rendered objects (hooks included), freshly parsed on each call. */
export function render(options: RenderOptions = {}): K8sObject[] {
  return parseManifests(renderText(options));
}

/** `helm template` expected to fail: returns helm's error output. */
export function renderError(options: RenderOptions): string {
  try {
    execFileSync(helm(), helmArgs(options), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    return typeof stderr === 'string' ? stderr : String(error);
  }
  throw new Error(`helm template unexpectedly succeeded with ${JSON.stringify(options)}`);
}

/** `helm lint --strict`; returns [exit ok, output]. */
export function lint(options: RenderOptions = {}): { ok: boolean; output: string } {
  const args = helmArgs(options).slice(3); // drop "template <release> <chart>"
  const chartDir = options.chartDir ?? CHART_DIR;
  try {
    const output = execFileSync(helm(), ['lint', '--strict', chartDir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output };
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: unknown; stderr?: unknown };
    return { ok: false, output: `${String(stdout)}${String(stderr)}` };
  }
}

/**
 * Multi-document YAML → objects. YAML 1.1, as the API machinery's decoder reads it (octal modes,
 * yes/no booleans). Empty documents (templates that rendered nothing) are dropped.
 */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML from helm: ${doc.errors[0]?.message ?? ''}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isK8sObject(value))
      throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    objects.push(value);
  }
  return objects;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isK8sObject(value: unknown): value is K8sObject {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}

/** The values variants the chart ships: the defaults plus every ci/*-values.yaml. */
export function variants(): { name: string; valuesFiles: string[] }[] {
  const ciFiles = readdirSync(join(CHART_DIR, 'ci'))
    .filter((file) => file.endsWith('-values.yaml'))
    .sort();
  return [
    { name: 'defaults', valuesFiles: [] },
    ...ciFiles.map((file) => ({ name: file, valuesFiles: [join('ci', file)] })),
  ];
}

export function ofKind<T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as T[];
}

export function componentOf(object: K8sObject): string | undefined {
  return object.metadata.labels?.['app.kubernetes.io/component'];
}

/** A throw-away copy of the chart (for tests that add files, e.g. dashboards). */
export function chartCopy(): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'pulse-chart-'));
  const dir = join(root, 'pulse');
  cpSync(CHART_DIR, dir, {
    recursive: true,
    filter: (source) => !source.includes('node_modules') && !source.endsWith('/tests'),
  });
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
