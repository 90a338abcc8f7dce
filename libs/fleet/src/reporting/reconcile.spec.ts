import type { GroundTruthCell } from '../ground-truth/ground-truth';
import { compareCells } from './reconcile';

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
