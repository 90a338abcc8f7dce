import { EventRateLimiter } from './event-rate-limiter';

describe('EventRateLimiter (charged by cost)', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('counts events, not requests, and allows a burst up to the limit', async () => {
    const limiter = new EventRateLimiter({ perSecond: 100, burst: 200 });
    expect(await limiter.take('k', 150)).toEqual({ allowed: true });
    expect(await limiter.take('k', 50)).toEqual({ allowed: true });
    expect(await limiter.take('k', 1)).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it('keeps keys apart', async () => {
    const limiter = new EventRateLimiter({ perSecond: 10, burst: 10 });
    expect((await limiter.take('a', 10)).allowed).toBe(true);
    expect((await limiter.take('a', 1)).allowed).toBe(false);
    expect((await limiter.take('b', 10)).allowed).toBe(true);
  });

  it('does not charge a refused request, so a smaller one still fits', async () => {
    const limiter = new EventRateLimiter({ perSecond: 100, burst: 100 });
    expect((await limiter.take('k', 60)).allowed).toBe(true);
    expect((await limiter.take('k', 50)).allowed).toBe(false);
    expect((await limiter.take('k', 40)).allowed).toBe(true);
    expect((await limiter.take('k', 1)).allowed).toBe(false);
  });

  it('allows the key again once the window has passed, and says when', async () => {
    const limiter = new EventRateLimiter({ perSecond: 1000, burst: 3000 });
    expect((await limiter.take('k', 3000)).allowed).toBe(true);
    const refused = await limiter.take('k', 1);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 3 });
    jest.advanceTimersByTime(3001);
    expect((await limiter.take('k', 3000)).allowed).toBe(true);
  });

  it('refunds events Kafka did not take within the window, but never credits a later window', async () => {
    const limiter = new EventRateLimiter({ perSecond: 100, burst: 100 });
    expect((await limiter.take('k', 100)).allowed).toBe(true);
    await limiter.refund('k', 100);
    expect((await limiter.take('k', 100)).allowed).toBe(true);
    jest.advanceTimersByTime(1001);
    await limiter.refund('k', 100);
    expect((await limiter.take('k', 100)).allowed).toBe(true);
    expect((await limiter.take('k', 1)).allowed).toBe(false);
  });

  it('does not charge a refused big request, so it does not starve the small ones', async () => {
    const limiter = new EventRateLimiter({ perSecond: 100, burst: 100 });
    expect((await limiter.take('k', 60)).allowed).toBe(true);
    for (let i = 0; i < 10; i += 1) expect((await limiter.take('k', 50)).allowed).toBe(false);
    for (let i = 0; i < 40; i += 1) expect((await limiter.take('k', 1)).allowed).toBe(true);
    expect((await limiter.take('k', 1)).allowed).toBe(false);
  });

  it('refuses for good, not with a retry, a cost above the burst', async () => {
    const limiter = new EventRateLimiter({ perSecond: 100, burst: 100 });
    expect(await limiter.take('k', 101)).toEqual({ allowed: false, exceedsBurst: true });
    expect((await limiter.take('k', 100)).allowed).toBe(true);
  });
});
