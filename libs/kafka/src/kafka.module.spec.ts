import type { ValueProvider } from '@nestjs/common';
import type { EachBatchPayload, Kafka, KafkaMessage, ProducerBatch } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { HealthRegistry } from '@pulse/observability';
import { DLQ_HEADER } from './dead-letter';
import { ErrorClassifier, type ErrorType } from './errors';
import { KafkaMetrics } from './kafka-metrics';
import { KafkaModule, KafkaRuntime, TOPICS } from './kafka.module';
import { PulseProducer } from './producer';
import { topicNames } from './topics';

class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** The classifier KafkaModule provides to every consumer of the service. */
function classifierOf(poisonErrors?: readonly ErrorType[]) {
  const module = KafkaModule.forRoot({
    connection: { brokers: ['localhost:9092'], clientId: 'test' },
    topicPrefix: 't.',
    ...(poisonErrors === undefined ? {} : { poisonErrors }),
  });
  const provider = (module.providers ?? []).find(
    (candidate): candidate is ValueProvider<ErrorClassifier> =>
      typeof candidate === 'object' && 'provide' in candidate && candidate.provide === ErrorClassifier,
  );
  if (provider === undefined) throw new Error('KafkaModule provides no ErrorClassifier');
  return provider.useValue;
}

/** Just enough kafkajs for one consumer and the producer: batches are fed by hand. */
function fakeKafka() {
  const sent: ProducerBatch[] = [];
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: {},
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: typeof eachBatch }) => {
      eachBatch = config.eachBatch;
    },
  };
  const producer = {
    events: {},
    on: () => undefined,
    connect: async () => undefined,
    sendBatch: async (batch: ProducerBatch) => {
      sent.push(batch);
      return [];
    },
  };
  const kafka = { consumer: () => consumer, producer: () => producer } as unknown as Kafka;
  const feed = async (messages: KafkaMessage[]) => {
    if (eachBatch === undefined) throw new Error('consumer not started');
    await eachBatch({
      batch: { topic: 'in', partition: 0, highWatermark: String(messages.length), messages },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
      commitOffsetsIfNecessary: async () => undefined,
    } as unknown as EachBatchPayload);
  };
  return { kafka, sent, feed };
}

describe('KafkaModule', () => {
  it('classifies the poison errors it is configured with, and only PoisonMessageError without', () => {
    const violation = new ContractViolation('(root): not valid JSON');
    expect(classifierOf([ContractViolation]).classify(violation)).toBe('poison');
    expect(classifierOf().classify(violation)).toBe('retryable');
  });

  it('hands its classifier to every consumer it creates: a registered error is dead-lettered at once', async () => {
    const { kafka, sent, feed } = fakeKafka();
    const metrics = new KafkaMetrics(new Registry());
    const runtime = new KafkaRuntime(
      kafka,
      topicNames('t.'),
      pino({ level: 'silent' }),
      'svc',
      new PulseProducer(kafka, metrics),
      metrics,
      new HealthRegistry(),
      classifierOf([ContractViolation]),
    );
    let calls = 0;
    const runner = runtime.createConsumer(
      {
        handle: () => {
          calls += 1;
          throw new ContractViolation('(root): not valid JSON');
        },
      },
      { groupId: 'g', topics: ['in'], retryBackoff: { initialMs: 1, maxMs: 1, factor: 1 } },
    );
    await runner.start();
    await feed([
      {
        key: null,
        value: Buffer.from('{'),
        timestamp: String(Date.now()),
        attributes: 0,
        offset: '0',
        headers: {},
      },
    ]);
    expect(calls).toBe(1);
    const letters = sent
      .flatMap((batch) => batch.topicMessages ?? [])
      .filter((t) => t.topic === 't.dead-letter');
    expect(letters.flatMap((t) => t.messages.map((m) => m.headers))).toEqual([
      expect.objectContaining({ [DLQ_HEADER.errorClass]: 'ContractViolation', [DLQ_HEADER.attempts]: '1' }),
    ]);
  });
});

describe('KafkaModule.forService', () => {
  it("takes the connection and topic prefix from the service's environment", () => {
    const module = KafkaModule.forService('enrichment', {
      PULSE_KAFKA_BROKERS: ['kafka-a:9092', 'kafka-b:9092'],
      PULSE_KAFKA_CLIENT_ID: undefined,
      PULSE_KAFKA_SSL: false,
      PULSE_KAFKA_SASL_MECHANISM: undefined,
      PULSE_KAFKA_SASL_USERNAME: undefined,
      PULSE_KAFKA_SASL_PASSWORD: undefined,
      PULSE_TOPIC_PREFIX: 'shop.',
    });
    const provided = (token: unknown) =>
      (module.providers ?? []).find(
        (candidate) => typeof candidate === 'object' && 'provide' in candidate && candidate.provide === token,
      );
    expect(provided(TOPICS)).toMatchObject({ useValue: topicNames('shop.') });
    const producer = provided(PulseProducer) as {
      useFactory: (kafka: Kafka, metrics: KafkaMetrics) => PulseProducer;
    };
    expect(
      producer.useFactory(
        { producer: () => ({ on: () => undefined, events: {} }) } as unknown as Kafka,
        new KafkaMetrics(new Registry()),
      ).server,
    ).toEqual({ address: 'kafka-a', port: 9092 });
  });
});
