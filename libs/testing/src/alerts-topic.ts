import { alertEventSchema, type AlertEvent } from '@pulse/contracts';
import { readAll, type TestTopics } from './kafka-fixtures';

/** Every record of the `alerts` topic, in offset order per partition. */
export async function alertRecords(kafka: TestTopics['kafka'], topic: string): Promise<AlertEvent[]> {
  const messages = await readAll(kafka, topic, { timeoutMs: 30_000 });
  return messages.map((message) =>
    alertEventSchema.parse(JSON.parse(message.value?.toString('utf8') ?? 'null')),
  );
}

/** `fingerprint#sequence`: one state change of one alert, what a notification is about. */
export function transitionKey(alert: Pick<AlertEvent, 'fingerprint' | 'sequence'>): string {
  return `${alert.fingerprint}#${alert.sequence}`;
}

/**
 * The alert lifecycle's invariant, which a replay after a crash must not break: per fingerprint,
 * sequences 0, 1, 2… each with one state, alternating firing → resolved → firing (no reminders
 * within a test's minutes). Returns one line per violation.
 */
export function lifecycleViolations(records: readonly AlertEvent[]): string[] {
  const byFingerprint = new Map<string, Map<number, Set<string>>>();
  for (const record of records) {
    const sequences = byFingerprint.get(record.fingerprint) ?? new Map<number, Set<string>>();
    const states = sequences.get(record.sequence) ?? new Set<string>();
    states.add(record.state);
    sequences.set(record.sequence, states);
    byFingerprint.set(record.fingerprint, sequences);
  }
  const violations: string[] = [];
  for (const [fingerprint, sequences] of byFingerprint) {
    const ordered = [...sequences.keys()].sort((a, b) => a - b);
    ordered.forEach((sequence, index) => {
      const states = [...(sequences.get(sequence) ?? [])];
      const expected = index % 2 === 0 ? 'firing' : 'resolved';
      if (sequence !== index) violations.push(`${fingerprint}: sequence ${sequence} where ${index} was due`);
      if (states.length !== 1 || states[0] !== expected) {
        violations.push(`${fingerprint}#${sequence}: ${states.join('+')} where ${expected} was due`);
      }
    });
  }
  return violations;
}

/** The last record of each alert (highest sequence). */
export function latestPerAlert(records: readonly AlertEvent[]): AlertEvent[] {
  const latest = new Map<string, AlertEvent>();
  for (const record of records) {
    const known = latest.get(record.fingerprint);
    if (!known || record.sequence > known.sequence) latest.set(record.fingerprint, record);
  }
  return [...latest.values()];
}
