import { retryAfterMs } from './retry-after';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs(' 7 ', now)).toBe(7_000);
    expect(retryAfterMs('0', now)).toBe(0);
  });

  it('reads the HTTP date forms as the time until then, never negative', () => {
    expect(retryAfterMs('Tue, 24 Nov 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Tuesday, 24-Nov-26 12:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Tue Nov 24 12:00:05 2026', now)).toBeDefined();
    expect(retryAfterMs('Tue, 24 Nov 2026 11:59:00 GMT', now)).toBe(0);
  });

  it('answers undefined for a missing or malformed value', () => {
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('  ', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    // Number() reads these as 16 s, 1 s, 1.5 s and -3 s; Date.parse reads the last two as 2001.
    expect(retryAfterMs('0x10', now)).toBeUndefined();
    expect(retryAfterMs('1e3', now)).toBeUndefined();
    expect(retryAfterMs('1.5', now)).toBeUndefined();
    expect(retryAfterMs('-3', now)).toBeUndefined();
  });
});
