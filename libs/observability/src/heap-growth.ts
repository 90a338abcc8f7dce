import { setFlagsFromString } from 'node:v8';

/**
 * How far V8's old generation may grow past what survived the last full collection before the
 * next one starts, in percent. Left to V8, the factor follows the heap's hard limit: up to 300 %
 * on a host where Node sizes the heap itself (a service with 50 MB live then peaks near 200 MB of
 * old space, mostly garbage promoted out of in-flight batches), and as little as 30 % under a
 * small `--max-old-space-size` (full collections back to back, twice the CPU). A fixed factor
 * makes a pod's memory and GC cost the same wherever it runs. V8 only accepts this flag on its
 * command line or at run time, not in NODE_OPTIONS; it is read at every collection, so setting it
 * at start-up takes effect from the next one.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
