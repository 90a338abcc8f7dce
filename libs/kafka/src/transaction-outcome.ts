import { sleep } from '@pulse/retry';
import type { PartitionBounds } from './admin';
import { TransactionAbortedError, TransactionFencedError, TransactionOutcomeUnknownError } from './errors';
import type { ReadRangeOptions, ReadRangeResult } from './operations';

/** Where a transaction's first record on one partition landed. */
export interface TransactionWrite {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The reads the outcome needs (KafkaAdmin's; a test hands in a plain object). */
export interface TransactionLog {
  partitionBounds(topic: string): Promise<Map<number, PartitionBounds>>;
  readTopicRange(topic: string, options?: ReadRangeOptions): Promise<ReadRangeResult>;
}

export type TransactionOutcome = 'committed' | 'aborted' | 'unknown';

/**
 * How a transaction ended, read from the log rather than from the answer to its commit (which a
 * coordinator busy fencing the id, or a dropped connection, can leave unclear). A read-committed
 * reader's end of a partition (its last stable offset) stays at or before an open transaction's
 * first record there; once past it the transaction has ended, and that record is visible to such
 * a reader if the transaction committed, and skipped if it aborted.
 *
 * `unknown` when the transaction has not ended within `waitMs` (Kafka aborts it once it outlives
 * its timeout), or when retention deleted the record before it could be read.
 */
export async function readTransactionOutcome(
  log: TransactionLog,
  write: TransactionWrite,
  { waitMs, pollMs = 200 }: { waitMs: number; pollMs?: number },
): Promise<TransactionOutcome> {
  const deadline = Date.now() + waitMs;
  const first = BigInt(write.offset);
  const bounds = async () => (await log.partitionBounds(write.topic)).get(write.partition);
  for (let now = await bounds(); ; now = await bounds()) {
    if (now === undefined || BigInt(now.low) > first) return 'unknown';
    if (BigInt(now.high) > first) break;
    if (Date.now() >= deadline) return 'unknown';
    await sleep(pollMs);
  }
  const { messages } = await log.readTopicRange(write.topic, {
    partitions: [write.partition],
    from: new Map([[write.partition, write.offset]]),
    limit: 1,
  });
  if (messages[0]?.offset === write.offset) return 'committed';
  // A record deleted between the two reads would look aborted.
  const after = await bounds();
  return after !== undefined && BigInt(after.low) <= first ? 'aborted' : 'unknown';
}

/**
 * What the writer of a transaction whose commit got no clear answer is told, once the log was read:
 * nothing when it committed. An abort seen before the transaction's timeout had run out (measured
 * from before its first write, so never shorter than the coordinator's measure) can only come from
 * a writer claiming the id: a fence.
 */
export function commitFailure(
  outcome: TransactionOutcome,
  {
    transactionalId,
    openForMs,
    transactionTimeoutMs,
    cause,
  }: {
    transactionalId: string;
    openForMs: number;
    transactionTimeoutMs: number;
    cause: unknown;
  },
): Error | undefined {
  if (outcome === 'committed') return undefined;
  if (outcome === 'unknown') return new TransactionOutcomeUnknownError(transactionalId, { cause });
  if (openForMs < transactionTimeoutMs) return new TransactionFencedError(transactionalId, { cause });
  return new TransactionAbortedError(
    transactionalId,
    `Kafka aborted the transaction of transactional id ${transactionalId} once it outlived its timeout ` +
      `(${transactionTimeoutMs} ms); nothing of it was written`,
    { cause },
  );
}
