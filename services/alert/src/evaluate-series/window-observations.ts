import type { Observation } from '../lifecycle/lifecycle';
import type { RuleSource } from '../rules/rule-book';
import type { Grouping } from '@pulse/contracts';
import { evaluateDeadLetters, evaluateLateEvents, watchesLateEvents } from './data-quality';
import { evaluateOrderDrop, watchesSeries as orderDropWatches } from './order-drop';
import { evaluateRevenueSpike, watchesSeries as revenueSpikeWatches } from './revenue-spike';
import type { SeriesHistory } from './series-store';

/** Which (grouping, window size) series the rules in effect watch: only those are forwarded. */
export function watchedSeries(rules: RuleSource): Set<string> {
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

export function watchesDeadLetters(rules: RuleSource): boolean {
  return rules.ofKind('data_quality').some((rule) => rule.maxDeadLetteredPerMinute !== undefined);
}

/**
 * What every window rule sees after a window of the series changed. The rules judge the newest
 * finished window and the newest window, whichever window changed: windows of one series come
 * from different `metrics.windowed` partitions, so an earlier window may arrive after a later
 * one, and then it changes the later one's baseline. Older windows are history, not news.
 */
export function observeSeries(history: SeriesHistory, rules: RuleSource, nowMs: number): Observation[] {
  if (history.series.source === 'dead_letter') {
    return rules.ofKind('data_quality').flatMap((rule) => evaluateDeadLetters(rule, history, nowMs));
  }
  const newest = history.latestStart();
  const newestFinal = history.latestFinalStart();
  const targets = [newestFinal, newest].filter(
    (start, index, all): start is number => start !== null && all.indexOf(start) === index,
  );
  return targets.flatMap((start) => observeWindow(history, start, rules));
}

function observeWindow(history: SeriesHistory, windowStart: number, rules: RuleSource): Observation[] {
  const observations: Observation[] = [];
  for (const rule of rules.ofKind('revenue_spike')) {
    if (revenueSpikeWatches(rule, history))
      observations.push(...evaluateRevenueSpike(rule, history, windowStart));
  }
  for (const rule of rules.ofKind('order_drop')) {
    if (orderDropWatches(rule, history)) observations.push(...evaluateOrderDrop(rule, history, windowStart));
  }
  for (const rule of rules.ofKind('data_quality')) {
    if (watchesLateEvents(rule, history))
      observations.push(...evaluateLateEvents(rule, history, windowStart));
  }
  return observations;
}

/** Windows a series must keep for the rules watching it (at least two). */
export function windowsToKeep(history: SeriesHistory, rules: RuleSource): number {
  let keep = 2;
  if (history.series.source === 'dead_letter') {
    for (const rule of rules.ofKind('data_quality'))
      keep = Math.max(keep, Math.ceil(rule.window / history.sizeMs) + 1);
    return keep;
  }
  for (const rule of rules.ofKind('revenue_spike')) {
    if (revenueSpikeWatches(rule, history)) keep = Math.max(keep, rule.baselineWindows + 1);
  }
  for (const rule of rules.ofKind('order_drop')) {
    if (orderDropWatches(rule, history))
      keep = Math.max(keep, rule.baselineWindows + rule.consecutiveWindows);
  }
  for (const rule of rules.ofKind('data_quality')) {
    if (watchesLateEvents(rule, history)) keep = Math.max(keep, Math.ceil(rule.window / history.sizeMs) + 1);
  }
  return keep;
}
