import { context } from '@opentelemetry/api';
import type { AlertEvent } from '@pulse/contracts';
import { alertEvent } from '../testing/fixtures';
import type { OutboxEntry } from './slack-outbox';
import { triage, type TriageRules } from './triage';

const NOW = Date.parse('2026-11-24T12:00:30.000Z');
let offset = 0n;

function entry(overrides: Partial<AlertEvent>): OutboxEntry {
  const alert = alertEvent(overrides);
  offset += 1n;
  return {
    partition: 0,
    offset,
    message: {
      topic: 'alerts',
      partition: 0,
      offset: offset.toString(),
      key: null,
      value: null,
      headers: {},
      timestamp: NOW,
    },
    alert,
    group: alert.rule,
    trace: context.active(),
    generation: 1,
  };
}

function rules(overrides: Partial<TriageRules> = {}): TriageRules {
  return {
    deliveries: { handled: () => false },
    silences: { silencing: () => [] },
    expiredBefore: NOW - 3_600_000,
    ...overrides,
  };
}

const fingerprints = (entries: readonly OutboxEntry[]) => entries.map((e) => e.alert.fingerprint);

describe('triage', () => {
  it('skips records past the retention as expired', () => {
    const old = entry({ fingerprint: 'old', updatedAt: new Date(NOW - 2 * 3_600_000).toISOString() });
    const fresh = entry({ fingerprint: 'fresh' });
    const result = triage([old, fresh], rules());
    expect(result.skipped).toEqual([{ entry: old, outcome: 'expired' }]);
    expect(fingerprints(result.sendable)).toEqual(['fresh']);
  });

  it('skips what the delivery log already handled as a duplicate', () => {
    const done = entry({ fingerprint: 'done', sequence: 3 });
    const result = triage(
      [done],
      rules({
        deliveries: { handled: (_channel, fingerprint, sequence) => fingerprint === 'done' && sequence <= 3 },
      }),
    );
    expect(result.skipped).toEqual([{ entry: done, outcome: 'duplicate' }]);
    expect(result.sendable).toEqual([]);
  });

  it("keeps only an alert's newest state, whatever order its records came in", () => {
    const firing = entry({ fingerprint: 'x', sequence: 0 });
    const resolved = entry({ fingerprint: 'x', sequence: 1, state: 'resolved' });
    const replayed = entry({ fingerprint: 'x', sequence: 0 });
    const result = triage([firing, resolved, replayed], rules());
    expect(result.sendable).toEqual([resolved]);
    expect(result.skipped).toEqual([
      { entry: firing, outcome: 'duplicate' },
      { entry: replayed, outcome: 'duplicate' },
    ]);
  });

  it('sets silenced alerts apart from what is sent', () => {
    const muted = entry({ fingerprint: 'muted', labels: { category: 'toys' } });
    const loud = entry({ fingerprint: 'loud' });
    const result = triage(
      [muted, loud],
      rules({ silences: { silencing: (alert) => (alert.labels.category === 'toys' ? ['s-1'] : []) } }),
    );
    expect(result.silenced).toEqual([muted]);
    expect(fingerprints(result.sendable)).toEqual(['loud']);
  });

  it('orders what is sent by severity, most severe first, keeping arrival order within one', () => {
    const result = triage(
      [
        entry({ fingerprint: 'i', severity: 'info' }),
        entry({ fingerprint: 'w1', severity: 'warning' }),
        entry({ fingerprint: 'c', severity: 'critical' }),
        entry({ fingerprint: 'w2', severity: 'warning' }),
      ],
      rules(),
    );
    expect(fingerprints(result.sendable)).toEqual(['c', 'w1', 'w2', 'i']);
  });
});
