import type { PartitionBounds } from './admin';
import { TransactionAbortedError, TransactionFencedError, TransactionOutcomeUnknownError } from './errors';
import type { ConsumedMessage } from './message';
import type { ReadRangeOptions, ReadRangeResult } from './operations';
import { commitFailure, readTransactionOutcome, type TransactionLog } from './transaction-outcome';

const write = { topic: 't', partition: 1, offset: '10' };

/** A partition whose bounds move as `states` says, one state per read; then reads `visible`. */
function log(
  states: readonly PartitionBounds[],
  visible: readonly string[],
): TransactionLog & { reads: ReadRangeOptions[]; boundReads: number } {
  let step = 0;
  const fake = {
    reads: [] as ReadRangeOptions[],
    boundReads: 0,
    partitionBounds: async (topic: string) => {
      expect(topic).toBe('t');
      fake.boundReads += 1;
      const state = states[Math.min(step, states.length - 1)] as PartitionBounds;
      step += 1;
      return new Map([
        [0, { low: '0', high: '99' }],
        [1, state],
      ]);
    },
    readTopicRange: async (topic: string, options: ReadRangeOptions = {}): Promise<ReadRangeResult> => {
      expect(topic).toBe('t');
      fake.reads.push(options);
      const messages = visible
        .filter((offset) => BigInt(offset) >= BigInt(options.from?.get(1) ?? '0'))
        .slice(0, options.limit)
        .map((offset) => ({ topic, partition: 1, offset }) as ConsumedMessage);
      return { messages, next: new Map() };
    },
  };
  return fake;
}

describe('readTransactionOutcome', () => {
  it('waits for the transaction to end, then reads its first record: there means committed', async () => {
    const fake = log(
      [
        { low: '0', high: '10' },
        { low: '0', high: '10' },
        { low: '0', high: '13' },
      ],
      ['10', '11', '12'],
    );
    await expect(readTransactionOutcome(fake, write, { waitMs: 5_000, pollMs: 1 })).resolves.toBe(
      'committed',
    );
    expect(fake.boundReads).toBe(3);
    expect(fake.reads).toEqual([{ partitions: [1], from: new Map([[1, '10']]), limit: 1 }]);
  });

  it('says aborted when a reader skips the record once the transaction ended', async () => {
    const fake = log([{ low: '0', high: '14' }], ['13']);
    await expect(readTransactionOutcome(fake, write, { waitMs: 5_000, pollMs: 1 })).resolves.toBe('aborted');
  });

  it('says unknown when the transaction is still open at the end of the wait, and reads nothing', async () => {
    const fake = log([{ low: '0', high: '10' }], ['10']);
    await expect(readTransactionOutcome(fake, write, { waitMs: 30, pollMs: 5 })).resolves.toBe('unknown');
    expect(fake.reads).toEqual([]);
  });

  it('says unknown when retention deleted the record, before or while it was read', async () => {
    const before = log([{ low: '11', high: '20' }], ['11']);
    await expect(readTransactionOutcome(before, write, { waitMs: 5_000, pollMs: 1 })).resolves.toBe(
      'unknown',
    );
    const during = log(
      [
        { low: '0', high: '20' },
        { low: '12', high: '20' },
      ],
      ['12'],
    );
    await expect(readTransactionOutcome(during, write, { waitMs: 5_000, pollMs: 1 })).resolves.toBe(
      'unknown',
    );
  });
});

describe('commitFailure', () => {
  const cause = new Error('The server experienced an unexpected error when processing the request');
  const settled = (openForMs: number) => ({
    transactionalId: 'p.redrive',
    openForMs,
    transactionTimeoutMs: 60_000,
    cause,
  });

  it('tells nothing when the log shows the transaction committed', () => {
    expect(commitFailure('committed', settled(70_000))).toBeUndefined();
  });

  it('calls an abort before the timeout a fence: only a writer claiming the id aborts then', () => {
    const failure = commitFailure('aborted', settled(59_999));
    expect(failure).toBeInstanceOf(TransactionFencedError);
    expect(failure?.cause).toBe(cause);
  });

  it('calls an abort after the timeout ran out a timeout, and says nothing was written', () => {
    const failure = commitFailure('aborted', settled(60_000));
    expect(failure).toBeInstanceOf(TransactionAbortedError);
    expect(failure).not.toBeInstanceOf(TransactionFencedError);
    expect(failure?.message).toBe(
      'Kafka aborted the transaction of transactional id p.redrive once it outlived its timeout (60000 ms); ' +
        'nothing of it was written',
    );
  });

  it('says the outcome is unknown when the log did not tell', () => {
    const failure = commitFailure('unknown', settled(1_000));
    expect(failure).toBeInstanceOf(TransactionOutcomeUnknownError);
    expect(failure?.cause).toBe(cause);
  });
});
