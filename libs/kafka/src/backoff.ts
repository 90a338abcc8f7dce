export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Multiplier per attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2 };

/** Exponential backoff with full jitter (AWS architecture blog), so retrying instances spread out. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(policy.initialMs / 2 + random() * (ceiling - policy.initialMs / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
