import type { AlertEvent } from '@pulse/contracts';
import type { Rule } from '../rules/rule-schema';
import { fingerprintOf } from './fingerprint';

export interface AlertWindow {
  start: string;
  end: string;
}

/** What a rule saw for one alert identity: whether its condition holds, and the numbers. */
export interface Observation {
  rule: Rule;
  /** The labels that tell this alert apart from the rule's others (category, customer…). */
  identity: Record<string, string>;
  /** The condition holds (fire, or stay firing). */
  active: boolean;
  /** False when a quiet observation must not end the alert yet (e.g. an unfinished window). */
  canResolve: boolean;
  value: number;
  threshold: number;
  window: AlertWindow | null;
  /** Event time of the event behind this observation. */
  triggerEventTime: string | null;
  summary: string;
  windowSizeMs?: number;
}

export type LinkBuilder = (subject: {
  kind: string;
  labels: Readonly<Record<string, string>>;
  window: AlertWindow | null;
  at: string;
  windowSizeMs?: number;
}) => AlertEvent['links'];

/**
 * Alertmanager-style state machine, one alert (fingerprint) at a time. Pure: given the last
 * record of the alert and a new observation, it returns the record to write, or null when
 * nothing changed. Every record bumps `sequence`, which the notifiers use to drop duplicates.
 */
export function decide(
  previous: AlertEvent | undefined,
  observation: Observation,
  now: Date,
  links: LinkBuilder,
): AlertEvent | null {
  // A late update of an older window must not undo what a newer window decided.
  if (
    observation.window &&
    previous?.window &&
    Date.parse(observation.window.start) < Date.parse(previous.window.start)
  ) {
    return null;
  }

  const firing = previous?.state === 'firing';
  if (observation.active && !firing) {
    return record(observation, 'firing', {
      sequence: nextSequence(previous),
      startsAt: now.toISOString(),
      updatedAt: now.toISOString(),
      endsAt: null,
      links,
    });
  }
  if (!observation.active && firing && observation.canResolve && previous) {
    return record(observation, 'resolved', {
      sequence: nextSequence(previous),
      startsAt: previous.startsAt,
      updatedAt: now.toISOString(),
      endsAt: now.toISOString(),
      links,
    });
  }
  return null;
}

/** A reminder for an alert still firing once `repeatIntervalMs` passed since its last record. */
export function repeatIfDue(previous: AlertEvent, now: Date, repeatIntervalMs: number): AlertEvent | null {
  if (previous.state !== 'firing') return null;
  if (now.getTime() - Date.parse(previous.updatedAt) < repeatIntervalMs) return null;
  return { ...previous, sequence: previous.sequence + 1, updatedAt: now.toISOString() };
}

/** Ends a firing alert whose condition can no longer be checked (its rule was removed or changed kind). */
export function resolveWithoutObservation(previous: AlertEvent, now: Date, reason: string): AlertEvent {
  return {
    ...previous,
    state: 'resolved',
    summary: `${previous.summary} (resolved: ${reason})`,
    sequence: previous.sequence + 1,
    updatedAt: now.toISOString(),
    endsAt: now.toISOString(),
  };
}

export function fingerprintOfObservation(observation: Observation): string {
  return fingerprintOf(observation.rule.name, observation.identity);
}

function nextSequence(previous: AlertEvent | undefined): number {
  return previous === undefined ? 0 : previous.sequence + 1;
}

function record(
  observation: Observation,
  state: AlertEvent['state'],
  times: { sequence: number; startsAt: string; updatedAt: string; endsAt: string | null; links: LinkBuilder },
): AlertEvent {
  const { rule } = observation;
  const labels = { ...rule.labels, ...observation.identity };
  return {
    fingerprint: fingerprintOfObservation(observation),
    rule: rule.name,
    kind: rule.kind,
    severity: rule.severity,
    state,
    labels,
    summary: observation.summary,
    value: observation.value,
    threshold: observation.threshold,
    window: observation.window,
    startsAt: times.startsAt,
    updatedAt: times.updatedAt,
    endsAt: times.endsAt,
    triggerEventTime: observation.triggerEventTime,
    sequence: times.sequence,
    links: times.links({
      kind: rule.kind,
      labels,
      window: observation.window,
      at: times.updatedAt,
      ...(observation.windowSizeMs === undefined ? {} : { windowSizeMs: observation.windowSizeMs }),
    }),
  };
}
