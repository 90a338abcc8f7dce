import { alignDown } from './reprocess';

describe('alignDown', () => {
  it('moves a time back to the start of its window', () => {
    const t = Date.parse('2026-03-01T12:03:27.500Z');
    expect(new Date(alignDown(t, 60_000)).toISOString()).toBe('2026-03-01T12:03:00.000Z');
    expect(new Date(alignDown(t, 300_000)).toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(alignDown(Date.parse('2026-03-01T12:03:00Z'), 60_000)).toBe(Date.parse('2026-03-01T12:03:00Z'));
  });
});
