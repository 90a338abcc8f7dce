import { setTimeout as sleep } from 'node:timers/promises';
import type { Outcome } from '../ground-truth/ground-truth-builder';
import type { GeneratedItem } from '../scenarios/generated-item';

/** Where batches go: returns one outcome per item, in order. */
export interface BatchSink {
  send(batch: readonly GeneratedItem[]): Promise<readonly Outcome[]>;
}

export interface PacingOptions {
  batchSize: number;
  /** Batches in flight at once. 1 keeps Kafka order equal to send order (exact lateness). */
  concurrency: number;
  /** How long a partly filled batch may wait for more items before it goes. */
  lingerMs: number;
  signal?: AbortSignal;
  /** Milliseconds since the run started; injectable for tests. */
  clock?: () => number;
}

export interface SentBatch {
  items: readonly GeneratedItem[];
  outcomes: readonly Outcome[];
}

/**
 * Sends items when they are due (their `sendAtMs` after the start), in batches, with bounded
 * concurrency. When the target is slower than the schedule, due items pile up into full
 * batches and the run catches up instead of drifting. Stops early when `signal` aborts,
 * after the batches in flight have been answered. A sink that throws stops the run: the batches
 * in flight are still awaited, then the error is rethrown.
 */
export async function pacedRun(
  items: Iterable<GeneratedItem>,
  sink: BatchSink,
  options: PacingOptions,
  onBatch: (batch: SentBatch) => void,
): Promise<void> {
  const started = performance.now();
  const clock = options.clock ?? (() => performance.now() - started);
  const iterator = items[Symbol.iterator]();
  let next = iterator.next();
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const aborted = () => options.signal?.aborted === true || failure !== undefined;

  while (!next.done && !aborted()) {
    const waitMs = next.value.sendAtMs - clock();
    if (waitMs > 0) {
      await pause(Math.min(waitMs, 250), options.signal);
      continue;
    }
    const batch: GeneratedItem[] = [];
    const lingerUntil = next.value.sendAtMs + options.lingerMs;
    for (;;) {
      while (!next.done && batch.length < options.batchSize && next.value.sendAtMs <= clock()) {
        batch.push(next.value);
        next = iterator.next();
      }
      const full = batch.length >= options.batchSize;
      if (full || next.done || aborted() || clock() >= lingerUntil) break;
      await pause(Math.max(1, Math.min(lingerUntil, next.value.sendAtMs) - clock()), options.signal);
    }
    while (inflight.size >= options.concurrency) await Promise.race(inflight);
    // A batch that failed meanwhile stops the run; this one was never sent, so it is not recorded.
    if (failure) break;
    const sending: Promise<void> = sink
      .send(batch)
      .then((outcomes) => onBatch({ items: batch, outcomes }))
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inflight.delete(sending));
    inflight.add(sending);
  }
  await Promise.all(inflight);
  if (failure) throw failure.error;
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the loop checks the signal.
  }
}
