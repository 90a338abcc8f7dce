import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import fastify from 'fastify';
import type * as TypeScriptModule from 'typescript';
import type { Expression, Node, SourceFile } from 'typescript';
import { stringify } from 'yaml';
import { SERVICE_LABEL, createMetricsRegistry, instrumentHttp } from '@pulse/observability';
import { findRepoRoot } from '@pulse/fleet';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One metric a Pulse service registers, and the labels its samples carry. */
export interface RegisteredMetric {
  name: string;
  type: MetricType;
  /** Its own label names (not the registry's default label, nor the scrape's target labels). */
  labels: readonly string[];
  /** Where it is defined: a source file, or `runService` for what every service's registry has. */
  source: string;
}

/**
 * Labels a scrape adds: Prometheus' `job` and `instance`, and the target labels of a
 * prometheus-operator ServiceMonitor (the chart's `templates/servicemonitor.yaml`).
 */
export const TARGET_LABELS: readonly string[] = [
  'job',
  'instance',
  'namespace',
  'pod',
  'service',
  'container',
  'endpoint',
];

const METRIC_CLASSES: Readonly<Record<string, MetricType>> = {
  Counter: 'counter',
  Gauge: 'gauge',
  Histogram: 'histogram',
  Summary: 'summary',
};
/** prom-client values that register nothing by themselves. */
const HARMLESS_VALUES = new Set(['Registry', 'linearBuckets', 'exponentialBuckets']);
/** The one file that calls collectDefaultMetrics: the live registry below covers what it adds. */
const DEFAULT_METRICS_FILE = 'libs/observability/src/metrics.ts';

/**
 * Every metric a Pulse service can register, from two sources that cannot drift from the code:
 * - live: the registry `runService` builds for every service (`createMetricsRegistry`, which adds
 *   prom-client's default process and Node.js metrics, plus `instrumentHttp`);
 * - the source: each `new Counter|Gauge|Histogram|Summary({ name, labelNames })` in `libs/` and
 *   `services/` (tests excluded), read with the TypeScript parser. A definition it cannot read
 *   (a computed name, prom-client imported as a namespace, a metric class passed around as a
 *   value, another prom-client export that registers metrics) throws instead of being skipped.
 */
export async function registeredMetrics(
  root = findRepoRoot(__dirname),
): Promise<Map<string, RegisteredMetric>> {
  const catalogue = new Map<string, RegisteredMetric>();
  const add = (metric: RegisteredMetric) => {
    const known = catalogue.get(metric.name);
    if (known && known.type !== metric.type)
      throw new Error(
        `${metric.name}: a ${known.type} in ${known.source} and a ${metric.type} in ${metric.source}`,
      );
    if (!known) catalogue.set(metric.name, metric);
  };
  for (const metric of await liveServiceRegistryMetrics()) add(metric);
  for (const metric of await metricsDefinedInSource(root)) add(metric);
  return catalogue;
}

/** What the registry of every service holds before the service adds its own metrics. */
export async function liveServiceRegistryMetrics(): Promise<RegisteredMetric[]> {
  const registry = createMetricsRegistry('catalogue');
  const app = fastify();
  try {
    instrumentHttp(app, registry);
    return registry.getMetricsAsArray().map((metric) => {
      // prom-client keeps each metric's label names on the instance; its typings leave them out.
      const { labelNames } = metric as unknown as { labelNames?: unknown };
      if (!Array.isArray(labelNames) || labelNames.some((label) => typeof label !== 'string'))
        throw new Error(`${metric.name}: prom-client no longer exposes labelNames`);
      const type = Object.values(METRIC_CLASSES).find((known) => known === String(metric.type));
      if (!type) throw new Error(`${metric.name}: unknown metric type ${String(metric.type)}`);
      return { name: metric.name, type, labels: labelNames as string[], source: 'runService' };
    });
  } finally {
    await app.close();
  }
}

/** The metric definitions in the TypeScript sources of `libs/*\/src` and `services/*\/src`. */
export async function metricsDefinedInSource(root = findRepoRoot(__dirname)): Promise<RegisteredMetric[]> {
  // The compiler is loaded only by the tests that read the catalogue, not by every user of @pulse/testing.
  const ts = await import('typescript');
  const files = ['libs', 'services'].flatMap((top) =>
    readdirSync(join(root, top), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => sourceFiles(join(root, top, entry.name, 'src'))),
  );
  const metrics: RegisteredMetric[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('prom-client')) continue;
    const path = relative(root, file);
    metrics.push(...definitionsIn(ts, ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)));
  }
  return metrics;
}

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(entry.name)
      ? [path]
      : [];
  });
}

type TypeScript = typeof TypeScriptModule;

function definitionsIn(ts: TypeScript, source: SourceFile): RegisteredMetric[] {
  const at = (node: Node) =>
    `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const classes = new Map<string, MetricType>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    if (!ts.isStringLiteral(statement.moduleSpecifier) || statement.moduleSpecifier.text !== 'prom-client')
      continue;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const bindings = clause.namedBindings;
    if (clause.name || (bindings && !ts.isNamedImports(bindings)))
      throw new Error(
        `${at(statement)}: import prom-client's classes by name, so the metric catalogue can read them`,
      );
    for (const element of bindings?.elements ?? []) {
      if (element.isTypeOnly) continue;
      const imported = (element.propertyName ?? element.name).text;
      const type = METRIC_CLASSES[imported];
      if (type) classes.set(element.name.text, type);
      else if (
        !HARMLESS_VALUES.has(imported) &&
        !(imported === 'collectDefaultMetrics' && source.fileName === DEFAULT_METRICS_FILE)
      )
        throw new Error(
          `${at(element)}: the metric catalogue does not know what prom-client's ${imported} registers`,
        );
    }
  }
  if (classes.size === 0) return [];

  const constArrays = new Map<string, Expression>();
  const metrics: RegisteredMetric[] = [];
  const unwrap = (node: Expression): Expression =>
    ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node)
      ? unwrap(node.expression)
      : node;
  const literal = (node: Node | undefined): string | undefined =>
    node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
  const strings = (node: Expression, where: Node): string[] => {
    let value = unwrap(node);
    if (ts.isIdentifier(value)) {
      const declared = constArrays.get(value.text);
      if (!declared)
        throw new Error(`${at(where)}: labelNames must be an array literal or a const in the same file`);
      value = unwrap(declared);
    }
    if (!ts.isArrayLiteralExpression(value))
      throw new Error(`${at(where)}: labelNames must be an array of string literals`);
    return value.elements.map((element) => {
      const text = literal(element);
      if (text === undefined) throw new Error(`${at(element)}: labelNames must be string literals`);
      return text;
    });
  };

  const visit = (node: Node): void => {
    if (ts.isIdentifier(node) && classes.has(node.text)) {
      const parent = node.parent;
      const constructed = ts.isNewExpression(parent) && parent.expression === node;
      const inType = (() => {
        // `extends Counter` defines metrics the catalogue cannot see: a value use, not a type.
        let type = false;
        for (let up: Node | undefined = parent; up; up = up.parent) {
          if (ts.isHeritageClause(up) && up.token === ts.SyntaxKind.ExtendsKeyword) return false;
          type ||= ts.isTypeNode(up);
        }
        return type;
      })();
      if (!constructed && !inType && !ts.isImportSpecifier(parent))
        throw new Error(
          `${at(node)}: ${node.text} used as a value; the metric catalogue reads only \`new ${node.text}({ name: '…' })\``,
        );
      if (constructed) {
        const [options] = parent.arguments ?? [];
        if (!options || !ts.isObjectLiteralExpression(options))
          throw new Error(`${at(node)}: new ${node.text}(…) needs an object literal with a literal name`);
        let name: string | undefined;
        let labels: string[] = [];
        for (const property of options.properties) {
          const key = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
          if (key === 'name') {
            name = ts.isPropertyAssignment(property) ? literal(property.initializer) : undefined;
            if (name === undefined)
              throw new Error(`${at(property)}: a metric's name must be a string literal`);
          } else if (key === 'labelNames') {
            if (ts.isPropertyAssignment(property)) labels = strings(property.initializer, property);
            else if (ts.isShorthandPropertyAssignment(property)) labels = strings(property.name, property);
            else throw new Error(`${at(property)}: labelNames must be an array literal or a const`);
          } else if (ts.isSpreadAssignment(property)) {
            throw new Error(`${at(property)}: no spread in a metric's options: the catalogue cannot read it`);
          }
        }
        if (name === undefined) throw new Error(`${at(node)}: new ${node.text}(…) without a name`);
        metrics.push({ name, type: classes.get(node.text) as MetricType, labels, source: source.fileName });
      }
    }
    ts.forEachChild(node, visit);
  };
  // Two passes: a labelNames const may be declared after the metric that uses it.
  ts.forEachChild(source, function collect(node): void {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer)
      constArrays.set(node.name.text, node.initializer);
    ts.forEachChild(node, collect);
  });
  visit(source);
  return metrics;
}

/** A vector selector of a PromQL expression: the metric it names and the labels it matches on. */
export interface Selector {
  metric: string | undefined;
  labels: string[];
}

/**
 * The vector selectors of a PromQL expression, read with Prometheus' own grammar
 * (`@prometheus-io/lezer-promql`, the one its web UI uses). Throws on a syntax error.
 */
export function selectorsOf(expr: string): Selector[] {
  const text = (node: { from: number; to: number }) => expr.slice(node.from, node.to);
  const unquote = (node: { from: number; to: number }) => {
    const quoted = text(node);
    return quoted.startsWith('"') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
  };
  const selectors: Selector[] = [];
  let errorAt: number | undefined;
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.type.isError) errorAt ??= ref.from;
      if (ref.name !== 'VectorSelector') return;
      const identifier = ref.node.getChild('Identifier');
      const selector: Selector = { metric: identifier ? text(identifier) : undefined, labels: [] };
      for (let child = ref.node.getChild('LabelMatchers')?.firstChild; child; child = child.nextSibling) {
        // `{"metric.name", …}`: a quoted name alone is the metric's name (Prometheus 3 UTF-8 names).
        if (child.name === 'QuotedLabelName') selector.metric = unquote(child);
        if (!child.name.endsWith('LabelMatcher')) continue;
        const name = child.getChild('LabelName') ?? child.getChild('QuotedLabelName');
        const value = child.getChild('StringLiteral');
        if (!name) continue;
        const label = name.name === 'LabelName' ? text(name) : unquote(name);
        const op = child.getChild('MatchOp');
        if (label === '__name__') {
          if (op && text(op) === '=' && value) selector.metric = unquote(value);
        } else selector.labels.push(label);
      }
      selectors.push(selector);
    },
  });
  if (errorAt !== undefined) throw new Error(`PromQL syntax error at offset ${errorAt}: ${expr}`);
  return selectors;
}

/**
 * What is wrong with the metrics a PromQL expression reads: a selector without a metric name, a
 * metric no Pulse service registers (histograms count with their `_bucket`, `_sum` and `_count`
 * series), or a label matcher on a label the metric's samples do not carry (its own labels, the
 * registry's `pulse_service`, the scrape's target labels). Empty when all is well.
 */
export function metricProblems(expr: string, catalogue: ReadonlyMap<string, RegisteredMetric>): string[] {
  const problems: string[] = [];
  for (const { metric, labels } of selectorsOf(expr)) {
    if (metric === undefined) {
      problems.push(`a selector without a metric name in ${expr}`);
      continue;
    }
    const resolved = resolveSeries(metric, catalogue);
    if (!resolved) {
      problems.push(`${metric} is not a metric any Pulse service registers`);
      continue;
    }
    const known = new Set([...resolved.labels, SERVICE_LABEL, ...TARGET_LABELS]);
    for (const label of labels)
      if (!known.has(label))
        problems.push(`${metric} has no label ${label} (it has ${[...known].join(', ')})`);
  }
  return problems;
}

/** The metric a series name belongs to, with the labels of that series. */
function resolveSeries(
  series: string,
  catalogue: ReadonlyMap<string, RegisteredMetric>,
): { labels: readonly string[] } | undefined {
  const direct = catalogue.get(series);
  if (direct) return { labels: direct.type === 'summary' ? [...direct.labels, 'quantile'] : direct.labels };
  const suffix = /_(bucket|sum|count)$/.exec(series);
  if (!suffix) return undefined;
  const base = catalogue.get(series.slice(0, suffix.index));
  if (!base || (base.type !== 'histogram' && base.type !== 'summary')) return undefined;
  if (suffix[1] === 'bucket')
    return base.type === 'histogram' ? { labels: [...base.labels, 'le'] } : undefined;
  return { labels: base.labels };
}

/** Prometheus' promtool, installed (or found in the cache) by tools/helm/install-helm.sh. */
export function installedPromtool(root = findRepoRoot(__dirname)): string {
  const output = execFileSync('bash', [join(root, 'tools/helm/install-helm.sh'), '--promtool'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const path = output.split('\n').find((line) => line.endsWith('/promtool'));
  if (!path) throw new Error(`install-helm.sh --promtool printed no promtool path:\n${output}`);
  return path;
}

/**
 * Has promtool parse each expression (as a recording rule of a rules file: `promtool check
 * rules`, Prometheus' own parser and checks). Returns promtool's output; throws with it when an
 * expression does not parse.
 */
export function checkWithPromtool(promtool: string, exprs: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-promql-'));
  try {
    const rules = exprs.map((expr, index) => ({ record: `pulse_check:expr_${index}`, expr }));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: [{ name: 'promql', rules }] }));
    try {
      return execFileSync(promtool, ['check', 'rules', 'rules.yaml'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      const listing = exprs.map((expr, index) => `  expr_${index}: ${expr}`).join('\n');
      throw new Error(
        `promtool check rules failed:\n${stdout ?? ''}${stderr ?? ''}\nexpressions:\n${listing}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
