import type { SeriesHistory, WindowTotals } from './series-store';

export interface Baseline {
  value: number;
  /** How many earlier windows it was computed from. */
  windows: number;
}

/**
 * Exponentially weighted moving average of the windows with a result among the `count` windows
 * before `beforeStart`, oldest first (so the most recent window weighs most). Null without any.
 */
export function ewmaBaseline(
  history: SeriesHistory,
  beforeStart: number,
  count: number,
  valueOf: (totals: WindowTotals) => number,
  smoothing?: number,
): Baseline | null {
  const alpha = smoothing ?? 2 / (count + 1);
  const values: number[] = [];
  for (let index = count; index >= 1; index -= 1) {
    const slot = history.slot(beforeStart - index * history.sizeMs);
    if (slot) values.push(valueOf(slot));
  }
  if (values.length === 0) return null;
  let average = values[0] as number;
  for (const value of values.slice(1)) average = alpha * value + (1 - alpha) * average;
  return { value: average, windows: values.length };
}

/** `category`/`region` labels of a series (only the dimensions its grouping has). */
export function identityOfSeries(history: SeriesHistory): Record<string, string> {
  const { category, region } = history.series;
  return {
    ...(category === null ? {} : { category }),
    ...(region === null ? {} : { region }),
  };
}

export function describeSeries(history: SeriesHistory): string {
  const { category, region } = history.series;
  if (category !== null && region !== null) return `category ${category} in ${region}`;
  if (category !== null) return `category ${category}`;
  if (region !== null) return `region ${region}`;
  return 'the shop';
}

export function windowOf(start: number, sizeMs: number): { start: string; end: string } {
  return { start: new Date(start).toISOString(), end: new Date(start + sizeMs).toISOString() };
}

export function formatAmount(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function formatWindowLabel(sizeMs: number): string {
  if (sizeMs % 3_600_000 === 0) return `${sizeMs / 3_600_000}h`;
  if (sizeMs % 60_000 === 0) return `${sizeMs / 60_000}m`;
  return `${sizeMs / 1000}s`;
}
