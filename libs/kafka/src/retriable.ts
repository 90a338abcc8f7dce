import { retrying } from '@pulse/retry';

/**
 * Repeats a request that failed with a retriable broker error (e.g. a leader that moved or is
 * still being elected right after a topic was created or a broker restarted); kafkajs' admin
 * requests do not.
 */
export function retryRetriable<T>(request: () => Promise<T>, attempts = 5): Promise<T> {
  return retrying(request, {
    maxAttempts: attempts,
    shouldRetry: (error) => (error as { retriable?: boolean }).retriable === true,
  });
}
