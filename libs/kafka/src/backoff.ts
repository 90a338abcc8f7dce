export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Multiplier per attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2 };

/**
 * Exponential backoff with jitter, so retrying instances spread out: a delay between half the
 * initial delay and the exponential ceiling, never above `maxMs`.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  const floor = Math.min(policy.initialMs / 2, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}

/**
 * How long to wait before attempt `attempt + 1`: the server's hint (Retry-After) when it gave
 * one, capped at the policy's ceiling so that one answer cannot pause a partition or a notifier
 * for an hour, else the backoff.
 */
export function retryDelay(attempt: number, policy: BackoffPolicy, hintMs: number | undefined): number {
  return hintMs !== undefined ? Math.min(Math.max(0, hintMs), policy.maxMs) : backoffDelay(attempt, policy);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Repeats a request that failed with a retriable broker error (e.g. a leader that moved or is
 * still being elected right after a topic was created or a broker restarted); kafkajs' admin
 * requests do not.
 */
export async function retryRetriable<T>(request: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= attempts || (error as { retriable?: boolean }).retriable !== true) throw error;
      await sleep(backoffDelay(attempt, DEFAULT_BACKOFF));
    }
  }
}
