export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Multiplier per attempt. */
  factor: number;
  /** The longest server hint (Retry-After) honoured; longer ones wait this long (default one minute). */
  maxHintMs?: number;
}

/** A Retry-After longer than this is an error on the server's side, not a plan: wait at most a minute. */
export const DEFAULT_MAX_HINT_MS = 60_000;

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
 * one, capped at `maxHintMs` so that one answer cannot pause a partition or a notifier for an
 * hour, else the backoff.
 */
export function retryDelay(attempt: number, policy: BackoffPolicy, hintMs: number | undefined): number {
  if (hintMs === undefined) return backoffDelay(attempt, policy);
  return Math.min(Math.max(0, hintMs), policy.maxHintMs ?? DEFAULT_MAX_HINT_MS);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
