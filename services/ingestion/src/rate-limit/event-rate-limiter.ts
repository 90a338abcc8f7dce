import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimit {
  /** Long-run cost units per second per key. */
  perSecond: number;
  /** Cost units a key may spend at once; the window is burst / perSecond seconds. */
  burst: number;
}

export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number }
  /** The request costs more than a whole window allows: it can never pass, however long the client waits. */
  | { readonly allowed: false; readonly exceedsBurst: true };

const ALLOWED: RateDecision = { allowed: true };

/**
 * Charges cost (see `event-cost.ts`), not requests or events, per API key: a window of
 * `burst / perSecond` seconds holds at most `burst` units, so a key averages `perSecond` and may
 * burst to `burst`. A refused request costs nothing, so a big one that does not fit yet does not
 * starve the key's small ones, and neither does one that Kafka could not take (`refund`), so a
 * client that retries after the advertised delay is not punished twice.
 *
 * The counts live in this process: each replica limits on its own (docs/architecture.md).
 */
export class EventRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly limit: RateLimit) {
    this.limiter = new RateLimiterMemory({ points: limit.burst, duration: limit.burst / limit.perSecond });
  }

  async take(key: string, cost: number): Promise<RateDecision> {
    if (cost > this.limit.burst) return { allowed: false, exceedsBurst: true };
    try {
      await this.limiter.consume(key, cost);
      return ALLOWED;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      await this.refund(key, cost);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
    }
  }

  /** Gives back points of the current window only: a refund must never credit a future window. */
  async refund(key: string, cost: number): Promise<void> {
    const current = await this.limiter.get(key);
    if (current === null || current.msBeforeNext <= 0) return;
    const points = Math.min(cost, current.consumedPoints);
    if (points > 0) await this.limiter.reward(key, points);
  }
}
