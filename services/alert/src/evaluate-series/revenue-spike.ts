import type { Observation } from '../lifecycle/lifecycle';
import type { RevenueSpikeRule } from '../rules/rule-schema';
import {
  describeSeries,
  ewmaBaseline,
  formatAmount,
  formatWindowLabel,
  identityOfSeries,
  windowOf,
} from './baseline';
import type { SeriesHistory } from './series-store';

export function watchesSeries(rule: RevenueSpikeRule, history: SeriesHistory): boolean {
  const { series } = history;
  return (
    series.source === 'metrics' && series.grouping === rule.groupBy && series.windowSizeMs === rule.window
  );
}

/**
 * Revenue spike, one observation per currency: revenue in the window > factor × the EWMA of the
 * previous windows and > minRevenue. It can fire on an unfinished window (early warning) but
 * only a finished window that is back to normal resolves it.
 */
export function evaluateRevenueSpike(
  rule: RevenueSpikeRule,
  history: SeriesHistory,
  windowStart: number,
): Observation[] {
  const totals = history.totals(windowStart);
  if (!totals) return [];
  const minWindows = rule.minBaselineWindows ?? Math.min(3, rule.baselineWindows);
  const currencies = [...new Set([...history.currencies(), ...Object.keys(totals.revenue)])].filter(
    (currency) => rule.currencies === undefined || rule.currencies.includes(currency),
  );
  const observations: Observation[] = [];
  for (const currency of currencies.sort()) {
    const baseline = ewmaBaseline(
      history,
      windowStart,
      rule.baselineWindows,
      (slot) => slot.revenue[currency] ?? 0,
      rule.smoothing,
    );
    if (!baseline || baseline.windows < minWindows) continue;
    const value = totals.revenue[currency] ?? 0;
    const spikeLevel = rule.factor * baseline.value;
    const threshold = Math.max(spikeLevel, rule.minRevenue);
    const active = value > spikeLevel && value > rule.minRevenue;
    const ratio = baseline.value > 0 ? ` (${(value / baseline.value).toFixed(1)}× the baseline)` : '';
    observations.push({
      rule,
      identity: { ...identityOfSeries(history), currency },
      active,
      canResolve: totals.final,
      value,
      threshold,
      window: windowOf(windowStart, history.sizeMs),
      triggerEventTime: totals.lastEventTime === null ? null : new Date(totals.lastEventTime).toISOString(),
      windowSizeMs: history.sizeMs,
      summary:
        `Revenue of ${describeSeries(history)} in a ${formatWindowLabel(history.sizeMs)} window: ` +
        `${formatAmount(value)} ${currency}${ratio}; baseline ${formatAmount(baseline.value)} over ` +
        `${baseline.windows} windows, threshold ${formatAmount(threshold)}`,
    });
  }
  return observations;
}
