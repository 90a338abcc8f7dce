import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { TopicTableReader } from './table-reader';

/** A Kafka double that hands the reader's eachBatch to the test. */
function fakeKafka(high: number) {
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
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
      run: async (options: { eachBatch: typeof eachBatch }) => void (eachBatch = options.eachBatch),
    }),
  } as unknown as Kafka;
  const deliver = async (records: [string, string | null][]) => {
    const messages = records.map(([key, value], offset) => ({
      key: Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      offset: String(offset),
      timestamp: '0',
      headers: {},
    })) as unknown as KafkaMessage[];
    await eachBatch?.({
      batch: { topic: 't', partition: 0, messages },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
    } as unknown as EachBatchPayload);
  };
  return { kafka, deliver };
}

describe('TopicTableReader', () => {
  it('keeps the latest value per key, deletes on tombstones, and is ready at the end offsets', async () => {
    const { kafka, deliver } = fakeKafka(4);
    const reader = new TopicTableReader(
      kafka,
      { topic: 't', groupIdPrefix: 'g', decode: (m) => String(m.value) },
      pino({ level: 'silent' }),
    );
    await reader.start();
    expect(reader.isReady()).toBe(false);
    await deliver([
      ['a', '1'],
      ['b', '1'],
      ['a', '2'],
      ['b', null],
    ]);
    expect([...reader.values()]).toEqual(['2']);
    expect(reader.isReady()).toBe(true);
  });

  it('tells every record read, tombstones included, and forgets an entry on request', async () => {
    const { kafka, deliver } = fakeKafka(3);
    const read: string[] = [];
    const reader = new TopicTableReader(
      kafka,
      {
        topic: 't',
        groupIdPrefix: 'g',
        decode: (m) => String(m.value),
        onRead: (m) => read.push(m.offset),
      },
      pino({ level: 'silent' }),
    );
    await reader.start();
    await deliver([
      ['a', '1'],
      ['b', '1'],
      ['b', null],
    ]);
    expect(read).toEqual(['0', '1', '2']);
    reader.forget('a');
    expect(reader.size).toBe(0);
  });

  it('with maxEntries, drops the entries set least recently', async () => {
    const { kafka, deliver } = fakeKafka(5);
    const dropped: string[] = [];
    const reader = new TopicTableReader(
      kafka,
      {
        topic: 't',
        groupIdPrefix: 'g',
        decode: (m) => String(m.value),
        maxEntries: 2,
        onChange: (key, value) => value === undefined && dropped.push(key),
      },
      pino({ level: 'silent' }),
    );
    await reader.start();
    await deliver([
      ['a', '1'],
      ['b', '1'],
      ['a', '2'],
      ['c', '1'],
      ['d', '1'],
    ]);
    expect(reader.size).toBe(2);
    expect([reader.get('c'), reader.get('d'), reader.get('a'), reader.get('b')]).toEqual([
      '1',
      '1',
      undefined,
      undefined,
    ]);
    expect(dropped).toEqual(['b', 'a']);
  });
});
