export { DEFAULT_BACKOFF, DEFAULT_MAX_HINT_MS, backoffDelay, retryDelay, sleep } from './backoff';
export type { BackoffPolicy } from './backoff';
export { RetryStoppedError, retrying } from './retrying';
export type { RetryOptions } from './retrying';
