/** One configured tumbling window size, with the label used as the `window` tag (e.g. `1m`). */
export interface WindowSpec {
  readonly sizeMs: number;
  readonly label: string;
}

const UNITS: readonly [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1_000, 's'],
  [1, 'ms'],
];

/** The shortest exact label of a duration: 60000 → `1m`, 90000 → `90s`, 300000 → `5m`. */
export function formatDuration(ms: number): string {
  for (const [unit, suffix] of UNITS) {
    if (ms % unit === 0) return `${ms / unit}${suffix}`;
  }
  return `${ms}ms`;
}

/** Start of the epoch-aligned (UTC) tumbling window of `sizeMs` holding `timeMs`. */
export function windowStartOf(timeMs: number, sizeMs: number): number {
  return timeMs - (((timeMs % sizeMs) + sizeMs) % sizeMs);
}

/** Sorted, de-duplicated window specs from configured sizes; smallest first. */
export function windowSpecs(sizesMs: readonly number[]): WindowSpec[] {
  return [...new Set(sizesMs)]
    .sort((a, b) => a - b)
    .map((sizeMs) => ({ sizeMs, label: formatDuration(sizeMs) }));
}
