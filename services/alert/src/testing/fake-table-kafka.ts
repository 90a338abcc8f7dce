import type { KafkaClient } from '../state/tracked-table';

/**
 * A Kafka double for the tables every instance reads (TrackedTable): an empty topic at start-up,
 * then `deliver` hands records to the reader as if a batch of one partition arrived.
 */
export function fakeTableKafka(topic: string): {
  kafka: KafkaClient;
  deliver(records: { key: string; value: string | null; headers?: Record<string, string> }[]): Promise<void>;
} {
  let eachBatch: ((payload: unknown) => Promise<void>) | undefined;
  let offset = 0;
  const kafka = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicOffsets: async () => [{ partition: 0, high: '0', low: '0' }],
    }),
    consumer: () => ({
      connect: async () => undefined,
      subscribe: async () => undefined,
      disconnect: async () => undefined,
      // Batch ends beyond the last message (transaction markers) do not occur here.
      events: { END_BATCH_PROCESS: 'consumer.end_batch_process' },
      on: () => () => undefined,
      run: async (options: { eachBatch: typeof eachBatch }) => void (eachBatch = options.eachBatch),
    }),
  } as unknown as KafkaClient;
  const deliver = async (
    records: { key: string; value: string | null; headers?: Record<string, string> }[],
  ): Promise<void> => {
    const messages = records.map(({ key, value, headers = {} }) => ({
      key: Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      offset: String(offset++),
      timestamp: '0',
      headers: Object.fromEntries(Object.entries(headers).map(([name, text]) => [name, Buffer.from(text)])),
    }));
    if (!eachBatch) throw new Error('table not started');
    await eachBatch({
      batch: { topic, partition: 0, messages },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
    });
  };
  return { kafka, deliver };
}
