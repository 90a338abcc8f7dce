import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a Grafana dashboard JSON the checks need. */
export interface Target {
  refId: string;
  /** InfluxQL */
  query?: string;
  rawQuery?: boolean;
  /** PromQL */
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  /** InfluxQL as a string; Prometheus' `label_values(...)` as `{ query }`; `prometheus` for a datasource variable. */
  query?: string | { query: string };
  multi?: boolean;
  includeAll?: boolean;
  datasource?: { type?: string; uid?: string };
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export const DASHBOARD_DIR = join(__dirname, '..', 'dashboards');

export function loadDashboards(dir = DASHBOARD_DIR): { file: string; dashboard: Dashboard }[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard }));
}

/** The datasource type of a dashboard's panels: `influxdb` (InfluxQL) or `prometheus` (PromQL). */
export function datasourceTypeOf(dashboard: Dashboard): string {
  const types = new Set(
    panelsOf(dashboard)
      .filter((panel) => panel.type !== 'row')
      .map((panel) => panel.datasource?.type ?? 'none'),
  );
  if (types.size !== 1)
    throw new Error(`${dashboard.uid}: panels of several datasource types: ${[...types].join(', ')}`);
  return [...types][0] as string;
}

/** The query text of a variable, whichever form the datasource keeps it in. */
export function variableQuery(variable: Variable): string {
  return typeof variable.query === 'object' ? variable.query.query : (variable.query ?? '');
}

/**
 * A Prometheus panel's expression as Grafana sends it: `$__rate_interval`, `$__interval` and
 * `$__range` as durations, template variables (`$name`, `${name}`, `${name:format}`, `[[name]]`)
 * as `value` (any value gives the same syntax: variables only stand inside label values).
 */
export function expandPromQL(
  expr: string,
  durations: Readonly<Record<string, string>>,
  value: (name: string) => string,
): string {
  return expr
    .replace(/\$(__rate_interval|__interval|__range)\b/g, (_, name: string) => {
      const duration = durations[name];
      if (duration === undefined) throw new Error(`no duration for $${name}`);
      return duration;
    })
    .replace(
      /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g,
      (_, braced?: string, bracketed?: string, plain?: string) =>
        value((braced ?? bracketed ?? plain) as string),
    );
}

/** Every panel, rows' nested panels included. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export interface Expansion {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  /** Values per variable: one for single-value variables, all selected ones for multi/All. */
  values: Readonly<Record<string, readonly string[]>>;
  /** Variables that are multi-value or include "All": Grafana formats those as a regex group. */
  regexVariables: ReadonlySet<string>;
}

const escapeRegex = (value: string): string => value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

function durationOf(ms: number): string {
  for (const [unit, suffix] of [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
  ] as const) {
    if (ms % unit === 0) return `${ms / unit}${suffix}`;
  }
  return `${ms}ms`;
}

/**
 * What Grafana's InfluxDB (InfluxQL) datasource sends for a raw query: `$timeFilter`,
 * `$__interval`, `$__interval_ms`, and template variables (`$name`, `${name}`, `[[name]]`) —
 * multi-value and "All" variables as a regex group of escaped values, others as the value itself.
 */
export function expandQuery(query: string, expansion: Expansion): string {
  const valueOf = (name: string): string => {
    const values = expansion.values[name];
    if (values === undefined || values.length === 0) throw new Error(`no value for variable $${name}`);
    return expansion.regexVariables.has(name)
      ? `(${values.map(escapeRegex).join('|')})`
      : (values[0] as string);
  };
  return query
    .replaceAll('$timeFilter', `time >= ${expansion.fromMs}ms and time <= ${expansion.toMs}ms`)
    .replaceAll('$__interval_ms', String(expansion.intervalMs))
    .replaceAll('$__interval', durationOf(expansion.intervalMs))
    .replace(
      /\$\{(\w+)\}|\[\[(\w+)\]\]|\$(\w+)/g,
      (match, braced?: string, bracketed?: string, plain?: string) =>
        valueOf((braced ?? bracketed ?? plain) as string),
    );
}

/** Names of variables a query uses (after the built-ins), for checking they are defined. */
export function variablesUsed(query: string): string[] {
  // Grafana's built-ins: $timeFilter (InfluxQL) and every $__name ($__interval, $__rate_interval, …).
  const stripped = query.replaceAll('$timeFilter', '').replace(/\$__\w+/g, '');
  return [...stripped.matchAll(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g)].map(
    (match) => (match[1] ?? match[2] ?? match[3]) as string,
  );
}
