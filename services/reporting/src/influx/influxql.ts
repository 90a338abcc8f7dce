/** InfluxQL building blocks with proper quoting (values come from validated request parameters). */

/** A double-quoted identifier: measurement, tag or field name. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A single-quoted string literal. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `tag = 'value'` */
export function equals(tag: string, value: string): string {
  return `${ident(tag)} = ${literal(value)}`;
}

/** Points stamped in [from, to): window starts, since points carry their window's start. */
export function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${literal(new Date(fromMs).toISOString())} AND time < ${literal(new Date(toMs).toISOString())}`;
}

export function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/** The InfluxQL duration of a window size (1m, 90s, 1500ms), the same label aggregation tags with. */
export function durationLiteral(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
  ];
  for (const [unit, suffix] of units) if (ms % unit === 0) return `${ms / unit}${suffix}`;
  return `${ms}ms`;
}
