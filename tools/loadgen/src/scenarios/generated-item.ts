import type { PulseEvent } from '@pulse/contracts';

export const MALFORMED_KINDS = [
  'invalid-json',
  'unknown-type',
  'missing-customer',
  'negative-quantity',
  'bad-time',
  'bad-currency',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/**
 * - `event`: a valid event, counted in its window;
 * - `duplicate`: an earlier event re-sent unchanged (same id), counted once;
 * - `late`: a valid event older than the allowed lateness, counted as late only;
 * - `malformed`: something ingestion must refuse.
 */
export type ItemKind = 'event' | 'duplicate' | 'late' | 'malformed';

export type ItemRoute = 'api' | 'kafka';

/** Marks that tie an item to a scenario, for expectations (e.g. the fraud burst's orders). */
export type ItemTag = 'fraud-burst' | 'flash-sale' | 'slightly-late';

/** One line the generator wants sent, and when. */
export interface GeneratedItem {
  /** Position in the run, from 0; the same seed gives the same items in the same order. */
  seq: number;
  /** When to send it, in ms after the run's start time. */
  sendAtMs: number;
  kind: ItemKind;
  /** The event id (duplicates repeat the original's; broken JSON still has the one it was meant to carry). */
  eventId: string;
  /** Exactly what is sent: one NDJSON line. */
  line: string;
  /** The event as sent, for every kind but `malformed`. */
  event: PulseEvent | undefined;
  malformedKind: MalformedKind | undefined;
  /**
   * `api`: through ingestion's HTTP API. `kafka`: written straight to `events.raw`, as a producer
   * that bypasses the API would — only malformed items go this way, to prove the dead-letter path.
   */
  route: ItemRoute;
  tags: readonly ItemTag[];
}
