import { msUntilSecondOfMinute } from './stall';

describe('msUntilSecondOfMinute', () => {
  const minute = Date.parse('2026-03-01T12:00:00.000Z');

  it('counts to the given second of this minute, or of the next one once it has passed', () => {
    expect(msUntilSecondOfMinute(50, minute + 20_000)).toBe(30_000);
    expect(msUntilSecondOfMinute(10, minute + 55_000)).toBe(15_000);
    expect(msUntilSecondOfMinute(10, minute + 10_000)).toBe(0);
  });

  it('refuses a second outside the minute', () => {
    expect(() => msUntilSecondOfMinute(60, minute)).toThrow(RangeError);
  });
});
