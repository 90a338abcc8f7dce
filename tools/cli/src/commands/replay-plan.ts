import { decodeCommitMetadata, encodeCommitMetadata, replayMetadata } from '@pulse/contracts';
import type { CommittedPosition } from '@pulse/kafka';

/** What `pulse reprocess` does with one partition of the consumer group. */
export type PartitionReplay =
  | {
      readonly partition: number;
      readonly action: 'move';
      readonly from: string;
      readonly to: CommittedPosition;
    }
  | {
      readonly partition: number;
      readonly action: 'keep';
      readonly at: string;
      /** Windows ending after this are not final yet: resuming at the commit recomputes them. */
      readonly frontier: number;
    };

export interface ReplayInput {
  /** Replay from this event time. */
  readonly fromMs: number;
  /** Per partition, the first offset to read (already moved back by any lead-in). */
  readonly targets: ReadonlyMap<number, string>;
  /** The group's committed positions now. */
  readonly current: ReadonlyMap<number, CommittedPosition>;
  /** The topic is aggregation's input (events.enriched), whose commits carry replay metadata. */
  readonly aggregationInput: boolean;
}

/**
 * Decides, per partition, where the group resumes.
 *
 * For aggregation, the new offsets are stored with metadata whose frontier is `fromMs`: windows
 * ending at or before it are left as they are (the replay meets only stragglers of them), and the
 * windows after it are recomputed whole as long as the offsets were taken a lead-in of at least
 * the largest window before `fromMs`. Every record before those offsets is earlier than the first
 * one read, so from that record on the replay's max event time, and with it every on-time or late
 * decision, is the original run's. A partition whose own frontier is already before `fromMs` is
 * kept: its windows from there on were never written final, so resuming at its commit recomputes
 * all of them exactly, while moving it forward would skip records they need.
 */
export function planReplay({ fromMs, targets, current, aggregationInput }: ReplayInput): PartitionReplay[] {
  const metadata = aggregationInput ? encodeCommitMetadata(replayMetadata(fromMs)) : null;
  return [...targets]
    .sort(([a], [b]) => a - b)
    .map(([partition, offset]): PartitionReplay => {
      const now = current.get(partition);
      const committed = now !== undefined && BigInt(now.offset) >= 0n ? now : undefined;
      if (aggregationInput && committed !== undefined) {
        const stored = decodeCommitMetadata(committed.metadata);
        if (stored !== undefined && stored.frontier < fromMs) {
          return { partition, action: 'keep', at: committed.offset, frontier: stored.frontier };
        }
      }
      return { partition, action: 'move', from: committed?.offset ?? '-1', to: { offset, metadata } };
    });
}
