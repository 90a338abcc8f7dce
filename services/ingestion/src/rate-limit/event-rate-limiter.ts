import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimit {
  /** Long-run events per second per key. */
  perSecond: number;
  /** Events a key may send at once; the window is burst / perSecond seconds. */
  burst: number;
}

export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

const ALLOWED: RateDecision = { allowed: true };

/**
 * Counts events, not requests, per API key: a window of `burst / perSecond` seconds holds at
 * most `burst` events, so a key averages `perSecond` and may burst to `burst`. A refused request
 * costs nothing, and neither does one that Kafka could not take (`refund`), so a client that
 * retries after the advertised delay is not punished twice.
 */
export class EventRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(limit: RateLimit) {
    this.limiter = new RateLimiterMemory({ points: limit.burst, duration: limit.burst / limit.perSecond });
  }

  async take(key: string, events: number): Promise<RateDecision> {
    try {
      await this.limiter.consume(key, events);
      return ALLOWED;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      await this.refund(key, events);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
    }
  }

  /** Gives back points of the current window only: a refund must never credit a future window. */
  async refund(key: string, events: number): Promise<void> {
    const current = await this.limiter.get(key);
    if (current === null || current.msBeforeNext <= 0) return;
    const points = Math.min(events, current.consumedPoints);
    if (points > 0) await this.limiter.reward(key, points);
  }
}
