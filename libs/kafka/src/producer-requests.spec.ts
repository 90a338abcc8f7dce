import type { Kafka, ProducerBatch } from 'kafkajs';
import { Registry } from 'prom-client';
import { KafkaMetrics } from './kafka-metrics';
import { PulseProducer } from './producer';

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
  headers: { ce_id: `e${id}` },
});

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
