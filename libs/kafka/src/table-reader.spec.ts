import pino from 'pino';
// A test-only cycle (libs/testing imports @pulse/kafka), accepted as in the integration specs.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { TableKafkaDouble } from '@pulse/testing';
import { TopicTableReader } from './table-reader';

/** The double with records given as `[key, value]` pairs. */
function fakeKafka(high: number) {
  const table = new TableKafkaDouble({ topic: 't', high });
  return {
    kafka: table.kafka,
    deliver: (records: [string, string | null][], firstOffset?: number) =>
      table.deliver(
        records.map(([key, value]) => ({ key, value })),
        firstOffset,
      ),
    endBatch: (lastOffset: number) => table.endBatch(lastOffset),
    rejoin: () => table.rejoin(),
  };
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

  it('after a rebalance, resumes where it got and never rolls a key back to an older value', async () => {
    const { kafka, deliver, rejoin } = fakeKafka(3);
    const reader = new TopicTableReader(
      kafka,
      { topic: 't', groupIdPrefix: 'g', decode: (m) => String(m.value) },
      pino({ level: 'silent' }),
    );
    await reader.start();
    expect(rejoin()).toBe(0);
    const written: [string, string][] = [
      ['a', '1'],
      ['a', '2'],
      ['b', '1'],
    ];
    await deliver(written);
    expect(reader.isReady()).toBe(true);
    // kafkajs forgets its positions on every join: the reader seeks back to where it got.
    expect(rejoin()).toBe(3);
    // Had the fetch started from the earliest offset anyway, the old records change nothing.
    await deliver(written, 0);
    expect(reader.get('a')).toBe('2');
    expect(reader.position(0)).toBe(3n);
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
