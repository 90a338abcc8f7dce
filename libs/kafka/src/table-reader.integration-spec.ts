import type { Kafka } from 'kafkajs';
import pino from 'pino';
// @pulse/testing builds on @pulse/kafka; this test-only import is the one accepted cycle.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestTopics, stack, uniqueName, waitFor, type TestTopics } from '@pulse/testing';
import { createKafka } from './connection';
import { PulseProducer, sendAtomically } from './producer';
import { TopicTableReader } from './table-reader';

const logger = pino({ level: process.env['PULSE_LOG_LEVEL'] ?? 'silent' });

interface Product {
  id: string;
  name: string;
  version: number;
}

describe('TopicTableReader on a compacted topic', () => {
  let topics: TestTopics;
  let kafka: Kafka;
  let producer: PulseProducer;
  const readers: TopicTableReader<Product>[] = [];

  beforeAll(async () => {
    topics = await createTestTopics('kafka-table');
    kafka = createKafka({ brokers: [...stack.kafkaBrokers], clientId: uniqueName('kafka-table') }, logger);
    producer = new PulseProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(readers.map((reader) => reader.stop()));
    await producer?.disconnect();
    await topics?.cleanup();
  });

  function reader(topic: string, changes: [string, Product | undefined][] = []): TopicTableReader<Product> {
    const table = new TopicTableReader<Product>(
      kafka,
      {
        topic,
        groupIdPrefix: uniqueName('table'),
        decode: (message) => JSON.parse(message.value!.toString('utf8')) as Product,
        onChange: (key, value) => changes.push([key, value]),
      },
      logger,
    );
    readers.push(table);
    return table;
  }

  const put = (topic: string, id: string, version: number) => ({
    topic,
    key: id,
    value: JSON.stringify({ id, name: `product ${id}`, version }),
  });
  const tombstone = (topic: string, id: string) => ({ topic, key: id, value: null });

  it('loads the latest value per key, drops tombstoned keys, then applies later updates', async () => {
    const topic = topics.names.referenceProducts;
    await producer.send([
      put(topic, 'p1', 1),
      put(topic, 'p2', 1),
      put(topic, 'p3', 1),
      put(topic, 'p1', 2),
      tombstone(topic, 'p3'),
      { topic, key: 'p4', value: 'not json' },
      put(topic, 'p5', 1),
      put(topic, 'p1', 3),
    ]);

    const table = reader(topic);
    await table.start();
    await table.whenReady(20_000);

    // Ready means the initial load is complete, not merely that the consumer joined.
    expect(table.isReady()).toBe(true);
    expect(table.get('p1')?.version).toBe(3);
    expect(table.get('p2')?.version).toBe(1);
    expect(table.get('p3')).toBeUndefined();
    expect(table.get('p4')).toBeUndefined();
    expect(table.size).toBe(3);
    expect([...table.values()].map((product) => product.id).sort()).toEqual(['p1', 'p2', 'p5']);
    expect(table.skippedRecords).toBe(1);

    await producer.send([put(topic, 'p2', 2), tombstone(topic, 'p1'), put(topic, 'p6', 1)]);
    // The three keys are not all on one partition (p2 and p6 are not), and partitions are consumed
    // independently: seeing one applied says nothing of the others, so wait for all three.
    await waitFor(
      'the later updates',
      () => table.get('p6') !== undefined && table.get('p2')?.version === 2 && table.get('p1') === undefined,
    );
    expect(table.get('p2')?.version).toBe(2);
    expect(table.get('p1')).toBeUndefined();
    expect(table.size).toBe(3);
  });

  it('reports every change, including deletions', async () => {
    const topic = topics.names.alertSilences;
    await producer.send([
      put(topic, 's1', 1),
      put(topic, 's1', 2),
      tombstone(topic, 's1'),
      tombstone(topic, 'never-set'),
    ]);
    const changes: [string, Product | undefined][] = [];
    const table = reader(topic, changes);
    await table.start();
    await table.whenReady(20_000);
    expect(changes.map(([key, value]) => [key, value?.version])).toEqual([
      ['s1', 1],
      ['s1', 2],
      ['s1', undefined],
    ]);
  });

  it('is ready at once on an empty topic, and still picks up what arrives later', async () => {
    const topic = topics.names.referenceCustomers;
    const table = reader(topic);
    await table.start();
    await table.whenReady(1_000);
    expect(table.size).toBe(0);
    await producer.send([put(topic, 'c1', 1)]);
    await waitFor('the first record', () => table.get('c1'));
  });

  it('is ready when partitions end in a transaction marker (a `pulse dlq redrive` wrote last)', async () => {
    const topic = topics.names.alerts;
    await producer.send([put(topic, 'a1', 1), put(topic, 'a2', 1)]);
    // Each partition written in the transaction now ends with its commit marker, an offset that
    // holds no message.
    const transactionalId = uniqueName('table-tx');
    await sendAtomically(kafka, transactionalId, [put(topic, 'a1', 2), put(topic, 'a3', 1)]);
    // A commit returns before its markers are written, and until then the transaction is not in
    // the end offsets (read_committed): claiming the id again waits for them.
    await sendAtomically(kafka, transactionalId, async () => []);
    const table = reader(topic);
    await table.start();
    await table.whenReady(20_000);
    expect(table.get('a1')?.version).toBe(2);
    expect(table.size).toBe(3);
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        if (high !== '0') expect(table.position(partition)).toBe(BigInt(high));
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('gives up waiting with a clear error when the load takes too long', async () => {
    const topic = topics.names.alertDeliveries;
    await producer.send([put(topic, 'd1', 1)]);
    const table = reader(topic);
    // Not started: it can never load, so whenReady must time out rather than hang.
    await expect(table.whenReady(200)).rejects.toThrow(`${topic} not loaded within 200 ms`);
  });
});
