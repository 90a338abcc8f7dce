const UNITS: readonly [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
];

/**
 * The label of a window size: its largest exact unit (60000 → `1m`, 90000 → `90s`, 1500 →
 * `1500ms`). Aggregation tags window points with it, and reporting's `interval` parameter takes
 * it, so every producer of a report link must write intervals this way. It is also a valid
 * InfluxQL duration literal.
 */
export function windowLabel(ms: number): string {
  for (const [unit, suffix] of UNITS) if (ms % unit === 0) return `${ms / unit}${suffix}`;
  return `${ms}ms`;
}
