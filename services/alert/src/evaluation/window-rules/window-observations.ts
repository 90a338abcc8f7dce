import type { Observation } from '../../lifecycle/lifecycle';
import type { RuleBook } from '../../rules/rule-book';
import type { Grouping } from '@pulse/contracts';
import { evaluateDeadLetters, evaluateLateEvents, watchesLateEvents } from './data-quality';
import { evaluateOrderDrop, watchesSeries as orderDropWatches } from './order-drop';
import { evaluateRevenueSpike, watchesSeries as revenueSpikeWatches } from './revenue-spike';
import type { SeriesHistory } from './series-store';

/** Which (grouping, window size) series the rules in effect watch: only those are forwarded. */
export function watchedSeries(rules: RuleBook): Set<string> {
  const watched = new Set<string>();
  for (const rule of [...rules.ofKind('revenue_spike'), ...rules.ofKind('order_drop')]) {
    watched.add(watchKey(rule.groupBy, rule.window));
  }
  for (const rule of rules.ofKind('data_quality')) {
    if (rule.maxLatePerMinute !== undefined) watched.add(watchKey('total', rule.metricsWindow));
  }
  return watched;
}

export function watchKey(grouping: Grouping, windowSizeMs: number): string {
  return `${grouping}/${windowSizeMs}`;
}

export function watchesDeadLetters(rules: RuleBook): boolean {
  return rules.ofKind('data_quality').some((rule) => rule.maxDeadLetteredPerMinute !== undefined);
}

/** What every window rule sees after one window of one series changed. */
export function observeWindow(
  history: SeriesHistory,
  windowStart: number,
  rules: RuleBook,
  nowMs: number,
): Observation[] {
  const observations: Observation[] = [];
  if (history.series.source === 'dead_letter') {
    for (const rule of rules.ofKind('data_quality')) observations.push(...evaluateDeadLetters(rule, history, nowMs));
    return observations;
  }
  for (const rule of rules.ofKind('revenue_spike')) {
    if (revenueSpikeWatches(rule, history)) observations.push(...evaluateRevenueSpike(rule, history, windowStart));
  }
  for (const rule of rules.ofKind('order_drop')) {
    if (orderDropWatches(rule, history)) observations.push(...evaluateOrderDrop(rule, history, windowStart));
  }
  for (const rule of rules.ofKind('data_quality')) {
    if (watchesLateEvents(rule, history)) observations.push(...evaluateLateEvents(rule, history, windowStart));
  }
  return observations;
}

/** Windows a series must keep for the rules watching it (at least two). */
export function windowsToKeep(history: SeriesHistory, rules: RuleBook): number {
  let keep = 2;
  if (history.series.source === 'dead_letter') {
    for (const rule of rules.ofKind('data_quality')) keep = Math.max(keep, Math.ceil(rule.window / history.sizeMs) + 1);
    return keep;
  }
  for (const rule of rules.ofKind('revenue_spike')) {
    if (revenueSpikeWatches(rule, history)) keep = Math.max(keep, rule.baselineWindows + 1);
  }
  for (const rule of rules.ofKind('order_drop')) {
    if (orderDropWatches(rule, history)) keep = Math.max(keep, rule.baselineWindows + rule.consecutiveWindows);
  }
  for (const rule of rules.ofKind('data_quality')) {
    if (watchesLateEvents(rule, history)) keep = Math.max(keep, Math.ceil(rule.window / history.sizeMs) + 1);
  }
  return keep;
}
