import { z } from 'zod';

// Aggregation stores this with every offset it commits on events.enriched (docs/architecture.md, "Aggregation correctness"). It is a
// contract, not an internal detail: the operator CLI writes it too when it moves aggregation back
// to a point in time (`pulse reprocess`), so both sides read and write it through this module.

/** What a new owner of a partition needs besides the committed offset to rebuild its state. */
export interface CommitMetadata {
  /** The partition's max event time before the committed offset (ms; -∞ when none). */
  readonly maxEventTime: number;
  /** Windows ending at or before this were written final (ms; -∞ when none). */
  readonly frontier: number;
}

const FORMAT_VERSION = 1;

const stored = z.object({
  v: z.literal(FORMAT_VERSION),
  /** JSON has no -Infinity: null stands for "none yet". */
  m: z.number().int().nullable(),
  f: z.number().int().nullable(),
});

/** Encodes the metadata stored with a committed offset (Kafka keeps up to 4 KB by default). */
export function encodeCommitMetadata({ maxEventTime, frontier }: CommitMetadata): string {
  const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);
  return JSON.stringify({ v: FORMAT_VERSION, m: finite(maxEventTime), f: finite(frontier) });
}

/** Decodes commit metadata; undefined when absent or not ours (e.g. offsets reset by a tool). */
export function decodeCommitMetadata(text: string | null | undefined): CommitMetadata | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = stored.safeParse(json);
  if (!parsed.success) return undefined;
  return {
    maxEventTime: parsed.data.m ?? Number.NEGATIVE_INFINITY,
    frontier: parsed.data.f ?? Number.NEGATIVE_INFINITY,
  };
}

/**
 * The metadata for replaying windows that end after `fromMs` (`pulse reprocess`). Windows ending
 * at or before it are marked written: the replay meets only parts of them and must not overwrite
 * their points with partial counts. The max event time before the replay's first offset is not
 * known; every record before that offset is earlier than the first one read (record timestamps
 * are event times), so from that record on the max is the original run's anyway.
 */
export function replayMetadata(fromMs: number): CommitMetadata {
  return { maxEventTime: Number.NEGATIVE_INFINITY, frontier: fromMs };
}
