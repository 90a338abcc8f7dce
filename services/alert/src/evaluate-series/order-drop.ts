import type { Observation } from '../lifecycle/lifecycle';
import type { OrderDropRule } from '../rules/rule-schema';
import { describeSeries, ewmaBaseline, formatWindowLabel, identityOfSeries, windowOf } from './baseline';
import type { SeriesHistory } from './series-store';

export function watchesSeries(rule: OrderDropRule, history: SeriesHistory): boolean {
  const { series } = history;
  return (
    series.source === 'metrics' && series.grouping === rule.groupBy && series.windowSizeMs === rule.window
  );
}

/**
 * Order drop: orders < factor × baseline in `consecutiveWindows` finished windows in a row, the
 * baseline being the EWMA of the windows before the streak (so the drop does not drag its own
 * baseline down). Unfinished windows are not judged: every window looks low while it is young.
 */
export function evaluateOrderDrop(
  rule: OrderDropRule,
  history: SeriesHistory,
  windowStart: number,
): Observation[] {
  const totals = history.totals(windowStart);
  if (!totals?.final) return [];
  const size = history.sizeMs;
  const streakStart = windowStart - (rule.consecutiveWindows - 1) * size;
  const streak = [];
  for (let start = streakStart; start <= windowStart; start += size) {
    const slot = history.slot(start);
    if (!slot) return [];
    streak.push(slot);
  }
  const baseline = ewmaBaseline(
    history,
    streakStart,
    rule.baselineWindows,
    (slot) => slot.orders,
    rule.smoothing,
  );
  const minWindows = rule.minBaselineWindows ?? Math.min(3, rule.baselineWindows);
  if (!baseline || baseline.windows < minWindows) return [];
  const threshold = rule.factor * baseline.value;
  const meaningful = baseline.value >= rule.minBaselineOrders;
  const active = meaningful && streak.every((slot) => slot.orders < threshold);
  return [
    {
      rule,
      identity: identityOfSeries(history),
      active,
      canResolve: true,
      value: totals.orders,
      threshold,
      window: windowOf(windowStart, size),
      triggerEventTime: totals.lastEventTime === null ? null : new Date(totals.lastEventTime).toISOString(),
      windowSizeMs: size,
      summary:
        `Orders of ${describeSeries(history)}: ${streak.map((slot) => slot.orders).join(', ')} in the last ` +
        `${rule.consecutiveWindows} ${formatWindowLabel(size)} windows; baseline ${baseline.value.toFixed(1)} ` +
        `per window, threshold ${threshold.toFixed(1)}`,
    },
  ];
}
