import type { EachBatchPayload } from 'kafkajs';
import pino from 'pino';
import { TrackedTable, type KafkaClient } from './tracked-table';

/**
 * One partition whose end offset the test sets; `deliver` hands over a batch of messages and
 * `endBatch` the end of a batch as kafkajs reports it (END_BATCH_PROCESS), markers included.
 */
function fakeKafka() {
  let high = 0;
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const batchEnds: ((event: { payload: { partition: number; lastOffset: string } }) => void)[] = [];
  const kafka = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicOffsets: async () => [{ partition: 0, high: String(high), low: '0' }],
    }),
    consumer: () => ({
      connect: async () => undefined,
      subscribe: async () => undefined,
      disconnect: async () => undefined,
      events: { END_BATCH_PROCESS: 'consumer.end_batch_process' },
      on: (event: string, listener: (typeof batchEnds)[number]) => {
        if (event === 'consumer.end_batch_process') batchEnds.push(listener);
        return () => undefined;
      },
      run: async (options: { eachBatch: typeof eachBatch }) => void (eachBatch = options.eachBatch),
    }),
  } as unknown as KafkaClient;
  return {
    kafka,
    setHigh: (offset: number) => void (high = offset),
    deliver: async (offsets: number[]) => {
      await eachBatch?.({
        batch: {
          topic: 't',
          partition: 0,
          messages: offsets.map((offset) => ({
            key: Buffer.from(`k${offset}`),
            value: Buffer.from('v'),
            offset: String(offset),
            timestamp: '0',
            headers: {},
          })),
        },
        resolveOffset: () => undefined,
        heartbeat: async () => undefined,
      } as unknown as EachBatchPayload);
    },
    endBatch: (lastOffset: number) => {
      for (const listener of batchEnds)
        listener({ payload: { partition: 0, lastOffset: String(lastOffset) } });
    },
  };
}

describe('TrackedTable.waitUntilCaughtUp', () => {
  it('counts a transaction marker at the end of a partition as read', async () => {
    const { kafka, setHigh, deliver, endBatch } = fakeKafka();
    const table = new TrackedTable<string>(
      kafka,
      { topic: 't', groupIdPrefix: 'g', decode: (message) => String(message.value) },
      pino({ level: 'silent' }),
    );
    await table.start(100);
    // A re-drive wrote offsets 0 and 1 in a transaction; its commit marker is offset 2.
    setHigh(3);
    await deliver([0, 1]);
    await expect(table.waitUntilCaughtUp(50)).rejects.toThrow('t not read up to its end within 50 ms');
    endBatch(2);
    await expect(table.waitUntilCaughtUp(50)).resolves.toBeUndefined();
  });
});
