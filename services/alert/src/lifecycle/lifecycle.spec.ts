import { alertEvent, ruleOf } from '../testing/fixtures';
import { fingerprintOf } from './fingerprint';
import { decide, repeatIfDue, resolveWithoutObservation, type Observation } from './lifecycle';

const rule = ruleOf('revenue_spike', { factor: 3, labels: { team: 'growth' } });
const noLinks = () => ({});
const t0 = new Date('2026-11-24T12:00:30.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

function observation(overrides: Partial<Observation> = {}): Observation {
  return {
    rule,
    identity: { category: 'electronics', currency: 'USD' },
    active: true,
    canResolve: true,
    value: 1000,
    threshold: 300,
    window: { start: '2026-11-24T12:00:00.000Z', end: '2026-11-24T12:01:00.000Z' },
    triggerEventTime: '2026-11-24T12:00:29.000Z',
    summary: 'spike',
    ...overrides,
  };
}

describe('alert lifecycle', () => {
  it('fires once with sequence 0, labels and a stable fingerprint', () => {
    const fired = decide(undefined, observation(), t0, noLinks);
    expect(fired).toMatchObject({
      state: 'firing',
      sequence: 0,
      rule: 'revenue-spike',
      kind: 'revenue_spike',
      severity: 'warning',
      labels: { team: 'growth', category: 'electronics', currency: 'USD' },
      startsAt: t0.toISOString(),
      endsAt: null,
      value: 1000,
      threshold: 300,
      triggerEventTime: '2026-11-24T12:00:29.000Z',
    });
    expect(fired?.fingerprint).toBe(
      fingerprintOf('revenue-spike', { currency: 'USD', category: 'electronics' }),
    );
  });

  it('does not fire again while firing (dedupe)', () => {
    const fired = decide(undefined, observation(), t0, noLinks);
    expect(decide(fired ?? undefined, observation({ value: 2000 }), later(5_000), noLinks)).toBeNull();
  });

  it('resolves when the condition no longer holds, keeping startsAt', () => {
    const fired = decide(undefined, observation(), t0, noLinks) ?? undefined;
    const next = { start: '2026-11-24T12:01:00.000Z', end: '2026-11-24T12:02:00.000Z' };
    const resolved = decide(
      fired,
      observation({ active: false, value: 100, window: next }),
      later(60_000),
      noLinks,
    );
    expect(resolved).toMatchObject({
      state: 'resolved',
      sequence: 1,
      startsAt: t0.toISOString(),
      endsAt: later(60_000).toISOString(),
      value: 100,
    });
    // A quiet observation of a resolved alert changes nothing.
    expect(
      decide(resolved ?? undefined, observation({ active: false, window: next }), later(61_000), noLinks),
    ).toBeNull();
  });

  it('does not resolve on an observation that cannot end it (an unfinished window)', () => {
    const fired = decide(undefined, observation(), t0, noLinks) ?? undefined;
    expect(
      decide(fired, observation({ active: false, canResolve: false }), later(1_000), noLinks),
    ).toBeNull();
  });

  it('fires again after a resolution, with the next sequence', () => {
    const fired = decide(undefined, observation(), t0, noLinks) ?? undefined;
    const resolved = decide(fired, observation({ active: false }), later(1_000), noLinks) ?? undefined;
    expect(decide(resolved, observation(), later(2_000), noLinks)).toMatchObject({
      state: 'firing',
      sequence: 2,
    });
  });

  it('ignores observations of a window older than the one that decided last', () => {
    const newer = { start: '2026-11-24T12:05:00.000Z', end: '2026-11-24T12:06:00.000Z' };
    const resolved = alertEvent({ state: 'resolved', window: newer, sequence: 1 });
    expect(decide(resolved, observation(), t0, noLinks)).toBeNull();
  });

  it('repeats a firing alert once the repeat interval passed', () => {
    const fired = alertEvent({ updatedAt: t0.toISOString(), startsAt: t0.toISOString(), sequence: 3 });
    expect(repeatIfDue(fired, later(59_999), 60_000)).toBeNull();
    expect(repeatIfDue(fired, later(60_000), 60_000)).toMatchObject({
      state: 'firing',
      sequence: 4,
      startsAt: t0.toISOString(),
      updatedAt: later(60_000).toISOString(),
    });
    expect(repeatIfDue({ ...fired, state: 'resolved' }, later(120_000), 60_000)).toBeNull();
  });

  it('resolves an alert whose rule is gone', () => {
    const fired = alertEvent({ sequence: 2 });
    expect(resolveWithoutObservation(fired, t0, 'its rule was removed')).toMatchObject({
      state: 'resolved',
      sequence: 3,
      endsAt: t0.toISOString(),
      summary: expect.stringContaining('its rule was removed'),
    });
  });

  it('builds the links of the alert', () => {
    const links = jest.fn(() => ({ dashboard: 'https://grafana/d/x' }));
    const fired = decide(undefined, observation({ windowSizeMs: 60_000 }), t0, links);
    expect(fired?.links).toEqual({ dashboard: 'https://grafana/d/x' });
    expect(links).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'revenue_spike',
        windowSizeMs: 60_000,
        labels: expect.objectContaining({ category: 'electronics' }),
      }),
    );
  });
});

describe('fingerprintOf', () => {
  it('ignores label order and tells rules and labels apart', () => {
    expect(fingerprintOf('r', { a: '1', b: '2' })).toBe(fingerprintOf('r', { b: '2', a: '1' }));
    expect(fingerprintOf('r', { a: '1' })).not.toBe(fingerprintOf('s', { a: '1' }));
    expect(fingerprintOf('r', { a: '1' })).not.toBe(fingerprintOf('r', { a: '2' }));
  });
});
