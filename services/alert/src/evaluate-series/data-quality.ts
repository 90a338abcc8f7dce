import type { Observation } from '../lifecycle/lifecycle';
import type { DataQualityRule } from '../rules/rule-schema';
import { DEAD_LETTER_BUCKET_MS, type Series } from '../forward-signal/signal';
import { formatWindowLabel } from './baseline';
import type { SeriesHistory } from './series-store';

export const DEAD_LETTER_SERIES: Series = {
  source: 'dead_letter',
  grouping: null,
  category: null,
  region: null,
  windowSizeMs: DEAD_LETTER_BUCKET_MS,
};

export function watchesLateEvents(rule: DataQualityRule, history: SeriesHistory): boolean {
  const { series } = history;
  return (
    rule.maxLatePerMinute !== undefined &&
    series.source === 'metrics' &&
    series.grouping === 'total' &&
    series.windowSizeMs === rule.metricsWindow
  );
}

/**
 * Late events per minute over the rule's window, from the late counters of the shop-wide window
 * results (aggregation counts a late event on the window that was newest when it arrived).
 */
export function evaluateLateEvents(
  rule: DataQualityRule,
  history: SeriesHistory,
  windowStart: number,
): Observation[] {
  if (rule.maxLatePerMinute === undefined) return [];
  const end = windowStart + history.sizeMs;
  let late = 0;
  let lastEventTime: number | null = null;
  for (let start = windowStart; start + history.sizeMs > end - rule.window; start -= history.sizeMs) {
    const totals = history.totals(start);
    if (!totals) continue;
    late += totals.late;
    if (totals.lastEventTime !== null) lastEventTime = Math.max(lastEventTime ?? 0, totals.lastEventTime);
  }
  const perMinute = late / (rule.window / 60_000);
  return [
    {
      rule,
      identity: { signal: 'late_events' },
      active: perMinute > rule.maxLatePerMinute,
      canResolve: true,
      value: round(perMinute),
      threshold: rule.maxLatePerMinute,
      window: { start: new Date(end - rule.window).toISOString(), end: new Date(end).toISOString() },
      triggerEventTime: lastEventTime === null ? null : new Date(lastEventTime).toISOString(),
      summary:
        `${late} late events in the last ${formatWindowLabel(rule.window)} (${round(perMinute)} per minute, ` +
        `more than ${rule.maxLatePerMinute} per minute is alerting): they are excluded from their windows`,
    },
  ];
}

/** Dead-lettered records per minute over the rule's window ending now (wall clock). */
export function evaluateDeadLetters(
  rule: DataQualityRule,
  history: SeriesHistory | undefined,
  nowMs: number,
): Observation[] {
  if (rule.maxDeadLetteredPerMinute === undefined) return [];
  let count = 0;
  let lastEventTime: number | null = null;
  for (const [start, cell] of history?.windows ?? []) {
    // A bucket counts while any part of it lies in the window.
    if (start + DEAD_LETTER_BUCKET_MS <= nowMs - rule.window || start > nowMs) continue;
    const totals = cell.totals();
    count += totals.deadLettered;
    if (totals.lastEventTime !== null) lastEventTime = Math.max(lastEventTime ?? 0, totals.lastEventTime);
  }
  const perMinute = count / (rule.window / 60_000);
  return [
    {
      rule,
      identity: { signal: 'dead_letter' },
      active: perMinute > rule.maxDeadLetteredPerMinute,
      canResolve: true,
      value: round(perMinute),
      threshold: rule.maxDeadLetteredPerMinute,
      window: { start: new Date(nowMs - rule.window).toISOString(), end: new Date(nowMs).toISOString() },
      triggerEventTime: lastEventTime === null ? null : new Date(lastEventTime).toISOString(),
      summary:
        `${count} records dead-lettered in the last ${formatWindowLabel(rule.window)} (${round(perMinute)} per minute, ` +
        `more than ${rule.maxDeadLetteredPerMinute} per minute is alerting); see \`pulse dlq inspect\``,
    },
  ];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
