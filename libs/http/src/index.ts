export { retryAfterMs } from './retry-after';
