import { DEFAULT_BACKOFF, retryDelay, sleep as timerSleep, type BackoffPolicy } from './backoff';

/** Thrown by `retrying` when `stopped()` turned true: the caller is shutting down. */
export class RetryStoppedError extends Error {
  override name = 'RetryStoppedError';
  constructor(readonly lastError: unknown) {
    super('retries stopped: shutting down', { cause: lastError });
  }
}

export interface RetryOptions {
  /** Backoff between attempts (default: 200 ms doubling to 30 s, with jitter). */
  policy?: BackoffPolicy;
  /** Attempts in all, the first included; the last error is thrown after them (default: no limit). */
  maxAttempts?: number;
  /** Whether an error is worth another attempt (default: every error is). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** The server's own wait (Retry-After), used instead of the backoff, capped at its ceiling. */
  delayHintMs?: (error: unknown) => number | undefined;
  /** Called before each wait, to log it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Checked after each wait: true ends the retries (RetryStoppedError) instead of another attempt. */
  stopped?: () => boolean;
  /** How to wait: one that a shutdown wakes early ends the retries promptly (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `operation` until it succeeds, waiting between attempts by the backoff (or the server's
 * hint): the one retry loop of Pulse's services and tools. The consumer runner keeps its own
 * loop, whose wait also heartbeats the consumer group.
 */
export async function retrying<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  const wait = options.sleep ?? timerSleep;
  let lastError: unknown;
  for (let attempt = 1; ; attempt += 1) {
    if (attempt > 1 && options.stopped?.()) throw new RetryStoppedError(lastError);
    try {
      return await operation(attempt);
    } catch (error) {
      lastError = error;
      if (attempt >= maxAttempts || options.shouldRetry?.(error, attempt) === false) throw error;
      const delay = retryDelay(attempt, policy, options.delayHintMs?.(error));
      options.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
