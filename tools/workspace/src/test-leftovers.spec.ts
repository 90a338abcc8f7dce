import { uniqueName } from '@pulse/testing';

const leftovers = require('../test-leftovers.cjs') as {
  DEFAULT_MAX_AGE_MS: number;
  testNameCreatedAt(name: string, now?: number): number | undefined;
  staleTestNames(names: string[], now: number, maxAgeMs?: number): string[];
};

const HOUR = 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function nameMadeAt(label: string, at: number): string {
  return `t_${label}_${at.toString(36)}_a1b2c3`;
}

describe('test leftovers', () => {
  it('reads the creation time back from every name uniqueName makes', () => {
    const before = Date.now();
    for (const label of ['kafka runner.v2!', 'x', '', 'ends_with_digits_123']) {
      const name = uniqueName(label);
      const createdAt = leftovers.testNameCreatedAt(name);
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(Date.now());
      // Topics, groups and databases add a suffix to the name.
      expect(leftovers.testNameCreatedAt(`${name}.events.raw`)).toBe(createdAt);
      expect(leftovers.testNameCreatedAt(`${name}-aggregation`)).toBe(createdAt);
    }
  });

  it('selects only test names older than the maximum age', () => {
    const old = nameMadeAt('suite', NOW - 2 * HOUR);
    const recent = nameMadeAt('suite', NOW - 5 * 60 * 1000);
    const names = [
      `${old}.events.raw`,
      `${recent}.events.raw`,
      `${old}-enrichment`,
      old,
      'events.raw',
      'pulse-aggregation',
      'pulse',
      'bench.abc123.events.raw',
      't_not_a_test_name',
      '_internal',
    ];
    expect(leftovers.staleTestNames(names, NOW)).toEqual([`${old}.events.raw`, `${old}-enrichment`, old]);
    expect(leftovers.staleTestNames(names, NOW, 1_000)).toHaveLength(4);
  });

  it('keeps a name made exactly at the maximum age (a test that old may still run)', () => {
    const name = nameMadeAt('edge', NOW - leftovers.DEFAULT_MAX_AGE_MS);
    expect(leftovers.staleTestNames([name], NOW)).toEqual([]);
    expect(leftovers.staleTestNames([name], NOW + 1)).toEqual([name]);
  });

  it('never takes a name uniqueName did not make for a test name, however it is spelled', () => {
    // Shaped like a test name, but "orders" read in base 36 is a time in January 1970.
    expect(leftovers.testNameCreatedAt('t_shop_orders_c0ffee')).toBeUndefined();
    // A "time" far in the future is no creation time either.
    expect(leftovers.testNameCreatedAt(nameMadeAt('x', NOW + 30 * 24 * HOUR), NOW)).toBeUndefined();
    expect(leftovers.staleTestNames(['t_shop_orders_c0ffee', 't_a_zzzzzzzz_abcdef'], NOW)).toEqual([]);
  });
});
