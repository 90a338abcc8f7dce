import type { AlertEvent } from '@pulse/contracts';
import { latestPerAlert, lifecycleViolations, transitionKey } from './alerts-topic';

const alert = (fingerprint: string, sequence: number, state: AlertEvent['state']): AlertEvent => ({
  fingerprint,
  rule: 'stock-out',
  kind: 'low_stock',
  severity: 'warning',
  state,
  labels: { product: 'p-1' },
  summary: 'low',
  value: 0,
  threshold: 1,
  window: null,
  startsAt: '2026-11-24T12:00:00Z',
  updatedAt: '2026-11-24T12:00:00Z',
  endsAt: null,
  triggerEventTime: null,
  sequence,
  links: {},
});

describe('lifecycleViolations', () => {
  it('accepts alternating transitions from 0, and the same record read twice', () => {
    const records = [
      alert('a', 0, 'firing'),
      alert('a', 1, 'resolved'),
      alert('a', 1, 'resolved'),
      alert('b', 0, 'firing'),
    ];
    expect(lifecycleViolations(records)).toEqual([]);
  });

  it('names a second firing, a skipped sequence and two states for one sequence', () => {
    expect(lifecycleViolations([alert('a', 0, 'firing'), alert('a', 1, 'firing')])).toEqual([
      'a#1: firing where resolved was due',
    ]);
    expect(lifecycleViolations([alert('a', 1, 'firing')])).toEqual(['a: sequence 1 where 0 was due']);
    expect(lifecycleViolations([alert('a', 0, 'firing'), alert('a', 0, 'resolved')])).toEqual([
      'a#0: firing+resolved where firing was due',
    ]);
  });
});

describe('latestPerAlert', () => {
  it('keeps the highest sequence of each fingerprint', () => {
    const latest = latestPerAlert([
      alert('a', 1, 'resolved'),
      alert('a', 0, 'firing'),
      alert('b', 0, 'firing'),
    ]);
    expect(latest.map(transitionKey).sort()).toEqual(['a#1', 'b#0']);
  });
});
