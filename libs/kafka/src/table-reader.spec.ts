import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { TopicTableReader } from './table-reader';

/**
 * A Kafka double that hands the reader's eachBatch to the test, and `endBatch` the end of a batch
 * as kafkajs reports it (END_BATCH_PROCESS), also of one without messages.
 */
function fakeKafka(high: number) {
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
  } as unknown as Kafka;
  const deliver = async (records: [string, string | null][], firstOffset = 0) => {
    const messages = records.map(([key, value], index) => ({
      key: Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      offset: String(firstOffset + index),
      timestamp: '0',
      headers: {},
    })) as unknown as KafkaMessage[];
    await eachBatch?.({
      batch: { topic: 't', partition: 0, messages },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
    } as unknown as EachBatchPayload);
  };
  const endBatch = (lastOffset: number) => {
    for (const listener of batchEnds) listener({ payload: { partition: 0, lastOffset: String(lastOffset) } });
  };
  return { kafka, deliver, endBatch };
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

  it('is ready when the partition ends in a transaction marker, which no batch hands over', async () => {
    // Offsets 0-1: a re-drive's records; 2: its commit marker (control records are not messages).
    const { kafka, deliver, endBatch } = fakeKafka(3);
    const reader = new TopicTableReader(
      kafka,
      { topic: 't', groupIdPrefix: 'g', decode: (m) => String(m.value) },
      pino({ level: 'silent' }),
    );
    await reader.start();
    await deliver([
      ['a', '1'],
      ['b', '1'],
    ]);
    expect(reader.isReady()).toBe(false);
    expect(reader.position(0)).toBe(2n);
    endBatch(2);
    expect(reader.isReady()).toBe(true);
    expect(reader.position(0)).toBe(3n);
    await expect(reader.whenReady(100)).resolves.toBeUndefined();
  });

  it('is ready after a batch of nothing but a marker; a batch end never moves it back', async () => {
    const { kafka, deliver, endBatch } = fakeKafka(4);
    const reader = new TopicTableReader(
      kafka,
      { topic: 't', groupIdPrefix: 'g', decode: (m) => String(m.value) },
      pino({ level: 'silent' }),
    );
    await reader.start();
    expect(reader.position(0)).toBeUndefined();
    await deliver([
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
    ]);
    endBatch(2);
    expect(reader.position(0)).toBe(3n);
    expect(reader.isReady()).toBe(false);
    endBatch(1);
    expect(reader.position(0)).toBe(3n);
    endBatch(3);
    expect(reader.isReady()).toBe(true);
    expect([...reader.values()]).toEqual(['1', '1', '1']);
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
