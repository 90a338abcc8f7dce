import { DEFAULT_BACKOFF, backoffDelay, retryDelay, sleep, type BackoffPolicy } from './backoff';

const policy: BackoffPolicy = { initialMs: 100, maxMs: 1_000, factor: 2 };
const lowest = () => 0;
const highest = () => 1;

describe('retryDelay', () => {
  it("takes the server's hint, capped at maxHintMs (a minute by default), else the backoff", () => {
    expect(retryDelay(1, policy, 300)).toBe(300);
    expect(retryDelay(1, policy, 3_600_000)).toBe(60_000);
    expect(retryDelay(1, { ...policy, maxHintMs: 5_000 }, 3_600_000)).toBe(5_000);
    expect(retryDelay(1, { ...policy, maxHintMs: 5_000 }, 4_000)).toBe(4_000);
    expect(retryDelay(1, policy, 0)).toBe(0);
    expect(retryDelay(1, policy, -5)).toBe(0);
    const backoff = retryDelay(3, policy, undefined);
    expect(backoff).toBeGreaterThanOrEqual(50);
    expect(backoff).toBeLessThanOrEqual(400);
  });
});

describe('backoffDelay', () => {
  it('starts at half the initial delay and reaches the initial delay on the first attempt', () => {
    expect(backoffDelay(1, policy, lowest)).toBe(50);
    expect(backoffDelay(1, policy, highest)).toBe(100);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(75);
  });

  it('grows the ceiling by the factor per attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, policy, highest))).toEqual([
      100, 200, 400, 800,
    ]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, policy, lowest))).toEqual([50, 50, 50, 50]);
  });

  it('never exceeds maxMs, however many attempts', () => {
    expect(backoffDelay(5, policy, highest)).toBe(1_000);
    expect(backoffDelay(60, policy, highest)).toBe(1_000);
    expect(backoffDelay(2_000, policy, highest)).toBe(1_000);
  });

  it('treats attempts below 1 as the first', () => {
    expect(backoffDelay(0, policy, highest)).toBe(100);
    expect(backoffDelay(-3, policy, highest)).toBe(100);
  });

  it('stays within maxMs even when maxMs is below half the initial delay', () => {
    const tight: BackoffPolicy = { initialMs: 1_000, maxMs: 200, factor: 2 };
    expect(backoffDelay(1, tight, lowest)).toBe(200);
    expect(backoffDelay(3, tight, highest)).toBe(200);
  });

  it('spreads delays over the whole jitter range', () => {
    const samples = Array.from({ length: 11 }, (_, i) => backoffDelay(3, policy, () => i / 10));
    expect(samples[0]).toBe(50);
    expect(samples[10]).toBe(400);
    expect(new Set(samples).size).toBe(11);
    expect([...samples].sort((a, b) => a - b)).toEqual(samples);
  });

  it('uses Math.random within bounds by default', () => {
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const delay = backoffDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.initialMs / 2);
      expect(delay).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxMs);
    }
  });
});

describe('sleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves after the given time and not before', async () => {
    let done = false;
    const sleeping = sleep(500).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });
});
