import { createRequire } from 'node:module';
import type { Kafka, Message, ProducerBatch } from 'kafkajs';
import { Registry } from 'prom-client';
import { KafkaMetrics } from './kafka-metrics';
import { DEFAULT_MAX_REQUEST_BYTES, PulseProducer, requestBytes } from './producer';

function fakeKafka(fail?: (batch: ProducerBatch) => boolean) {
  const sent: ProducerBatch[] = [];
  const producer = {
    events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
    on: () => undefined,
    sendBatch: jest.fn(async (batch: ProducerBatch) => {
      if (fail?.(batch)) throw new Error('MESSAGE_TOO_LARGE');
      sent.push(batch);
      return [];
    }),
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, sent };
}

const record = (topic: string, id: number, size: number) => ({
  topic,
  key: `k${id}`,
  value: Buffer.alloc(size, 'x'),
  headers: { h: `e${id}` },
});

// kafkajs' own record batch encoding, to measure what the broker receives.
const requireFromKafkajs = createRequire(require.resolve('kafkajs'));
const encodeRecord = requireFromKafkajs('./src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Message['key'];
  value: Message['value'];
  headers: Message['headers'];
}) => unknown;
const { RecordBatch: encodeRecordBatch } = requireFromKafkajs('./src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: {
    firstTimestamp: number;
    maxTimestamp: number;
    records: unknown[];
  }) => Promise<{ buffer: Buffer }>;
};

/** Encoded size of the record batch of `messages` if they all went to one partition (the worst case). */
async function encodedBatchBytes(messages: readonly Message[]): Promise<number> {
  const times = messages.map((message) => Number(message.timestamp ?? 0));
  const firstTimestamp = Math.min(...times);
  const records = messages.map((message, i) =>
    encodeRecord({
      offsetDelta: i,
      timestampDelta: (times[i] as number) - firstTimestamp,
      key: message.key,
      value: message.value,
      headers: message.headers,
    }),
  );
  const batch = await encodeRecordBatch({ firstTimestamp, maxTimestamp: Math.max(...times), records });
  return batch.buffer.length;
}

describe('PulseProducer request size', () => {
  it('splits a large send into requests under the byte limit, in order, all acknowledged', async () => {
    const { kafka, sent } = fakeKafka();
    const producer = new PulseProducer(kafka, undefined, { maxRequestBytes: 1000 });
    await producer.send(Array.from({ length: 10 }, (_, i) => record(i % 2 ? 'a' : 'b', i, 250)));
    expect(sent.length).toBe(4);
    const ids = sent.flatMap((batch) =>
      batch.topicMessages!.flatMap((topic) => topic.messages.map((message) => String(message.key))),
    );
    expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
    expect(sent.every((batch) => batch.topicMessages!.flatMap((t) => t.messages).length <= 3)).toBe(true);
  });

  it('keeps every record batch within the limit as kafkajs encodes it, headers and timestamps included', async () => {
    const { kafka, sent } = fakeKafka();
    const limit = 2_000;
    const producer = new PulseProducer(kafka, undefined, { maxRequestBytes: limit });
    const headers = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [String.fromCharCode(97 + (i % 26)) + i, 'v']),
    );
    await producer.send(
      Array.from({ length: 40 }, (_, i) => ({
        topic: 'a',
        key: `k${i}`,
        value: 'ü'.repeat(i * 3),
        headers,
        // Far apart: timestamp deltas take their widest varints.
        timestamp: i % 2 ? 1_764_000_000_000 : 1,
      })),
    );
    expect(sent.length).toBeGreaterThan(1);
    for (const batch of sent) {
      for (const { messages } of batch.topicMessages!) {
        expect(await encodedBatchBytes(messages)).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('counts at least what kafkajs encodes', async () => {
    const records = [
      { topic: 'a', key: null, value: null },
      {
        topic: 'a',
        key: 'k',
        value: 'v',
        headers: { 'content-type': 'x', ü: 'ß'.repeat(300) },
        timestamp: 5,
      },
      { topic: 'a', key: Buffer.alloc(200), value: Buffer.alloc(20_000), timestamp: 1_764_000_000_000 },
    ];
    const messages = records.map(({ key, value, headers, timestamp }) => ({
      key,
      value,
      headers: headers ?? {},
      timestamp: String(timestamp ?? 0),
    }));
    expect(requestBytes(records)).toBeGreaterThanOrEqual(await encodedBatchBytes(messages));
  });

  it("packs up to Kafka's default max.request.size by default", async () => {
    expect(DEFAULT_MAX_REQUEST_BYTES).toBe(1_048_576);
    const { kafka, sent } = fakeKafka();
    const records = Array.from({ length: 10 }, (_, i) => record('a', i, 100_000));
    expect(requestBytes(records)).toBeGreaterThan(1_000_000);
    expect(requestBytes(records)).toBeLessThanOrEqual(DEFAULT_MAX_REQUEST_BYTES);
    await new PulseProducer(kafka).send(records);
    expect(sent).toHaveLength(1);
    await new PulseProducer(kafka).send([...records, record('a', 10, 100_000)]);
    expect(sent).toHaveLength(3);
  });

  it('sends a single record larger than the limit on its own', async () => {
    const { kafka, sent } = fakeKafka();
    const producer = new PulseProducer(kafka, undefined, { maxRequestBytes: 1000 });
    await producer.send([record('a', 1, 100), record('a', 2, 5000), record('a', 3, 100)]);
    expect(
      sent.map((batch) => batch.topicMessages![0]!.messages.map((message) => String(message.key))),
    ).toEqual([['k1'], ['k2'], ['k3']]);
  });

  it('keeps a small send in one request', async () => {
    const { kafka, sent } = fakeKafka();
    await new PulseProducer(kafka).send([record('a', 1, 100), record('b', 2, 100)]);
    expect(sent).toHaveLength(1);
  });

  it('rejects when any request fails, counting what was acknowledged before it', async () => {
    let calls = 0;
    const { kafka } = fakeKafka(() => ++calls === 2);
    const registry = new Registry();
    const producer = new PulseProducer(kafka, new KafkaMetrics(registry), { maxRequestBytes: 1000 });
    await expect(producer.send(Array.from({ length: 6 }, (_, i) => record('a', i, 250)))).rejects.toThrow(
      'MESSAGE_TOO_LARGE',
    );
    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((metric) => metric.name === name)?.values[0]?.value;
    expect(value('pulse_kafka_messages_produced_total')).toBe(3);
    expect(value('pulse_kafka_produce_errors_total')).toBe(1);
    expect(producer.isSaturated()).toBe(false);
  });
});
