import type { GroundTruth, GroundTruthCell } from '../ground-truth/ground-truth';
import { compareCells, reconcileWithReporting, unfinished } from './reconcile';

const cell = (overrides: Partial<GroundTruthCell>): GroundTruthCell => ({
  windowStart: '2026-03-01T12:00:00.000Z',
  category: 'toys',
  region: null,
  orders: 2,
  units: 3,
  revenueMinor: { USD: 1999 },
  uniqueCustomers: 2,
  views: 10,
  cartAdds: 4,
  ...overrides,
});

describe('compareCells', () => {
  it('finds nothing when every figure agrees, whatever the time notation', () => {
    const result = compareCells('category', [cell({})], [cell({ windowStart: '2026-03-01T12:00:00Z' })]);
    expect(result).toEqual({ compared: 6, mismatches: [] });
  });

  it('names each differing figure, revenue per currency in minor units', () => {
    const result = compareCells(
      'category',
      [cell({})],
      [cell({ units: 4, revenueMinor: { USD: 1998, EUR: 5 } })],
    );
    expect(result.mismatches).toEqual([
      'category 2026-03-01T12:00Z toys units: expected 3, reported 4',
      'category 2026-03-01T12:00Z toys revenue USD (minor units): expected 1999, reported 1998',
      'category 2026-03-01T12:00Z toys revenue EUR (minor units): expected 0, reported 5',
    ]);
  });

  it('reports groups missing on either side, and accepts an all-zero row for a group with nothing', () => {
    const missing = compareCells('category', [cell({}), cell({ category: 'books' })], [cell({})]);
    expect(missing.mismatches).toContain('category 2026-03-01T12:00Z books orders: expected 2, reported 0');
    const extra = compareCells('category', [], [cell({ category: 'garden' })]);
    expect(extra.mismatches).toContain('category 2026-03-01T12:00Z garden views: expected 0, reported 10');
    const zero = cell({ orders: 0, units: 0, revenueMinor: {}, uniqueCustomers: 0, views: 0, cartAdds: 0 });
    expect(compareCells('category', [], [zero]).mismatches).toEqual([]);
  });
});

describe('unfinished', () => {
  it('names rows whose window ended by the given instant but that are not final, and only those', () => {
    const end = Date.parse('2026-03-01T12:01:00.000Z');
    const rows = [
      { ...cell({}), final: false },
      { ...cell({ category: 'books' }), final: true },
      { ...cell({ windowStart: '2026-03-01T12:01:00.000Z' }), final: false },
    ];
    expect(unfinished('category', rows, 60_000, end)).toEqual([
      'category 2026-03-01T12:00Z toys not final, though its window ended before the watermark',
    ]);
    expect(unfinished('category', rows, 60_000, end - 1)).toEqual([]);
  });
});

describe('reconcileWithReporting', () => {
  // Only what the comparison reads; the rest of a ground truth plays no part here.
  const truth = {
    range: { from: '2026-03-01T12:00:00.000Z', to: '2026-03-01T12:01:00.000Z' },
    windowSizeMs: 60_000,
    groupings: { total: [cell({ category: null })], category: [], region: [], category_region: [] },
  } as unknown as GroundTruth;

  it('stops asking at once when its signal is aborted, returning the last differences', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    const result = await reconcileWithReporting({
      reportingUrl: 'http://127.0.0.1:1',
      token: 'unused',
      truth,
      timeoutMs: 60_000,
      intervalMs: 1_000,
      signal: stop.signal,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.ok).toBe(false);
    expect(result.mismatches[0]).toMatch(/^total: could not read the reporting API/);
  });
});
