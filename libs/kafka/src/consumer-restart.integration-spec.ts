import type { Kafka } from 'kafkajs';
import pino from 'pino';
// @pulse/testing builds on @pulse/kafka; this test-only import is the one accepted cycle.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestTopics, stack, uniqueName, waitFor, type TestTopics } from '@pulse/testing';
import { createKafka } from './connection';
import { ConsumerRunner, type MessageHandler } from './consumer-runner';
import { PulseProducer } from './producer';

const logger = pino({ level: process.env['PULSE_LOG_LEVEL'] ?? 'silent' });
const MESSAGES = 600;

describe('a consumer stopped mid-stream and restarted', () => {
  let topics: TestTopics;
  let kafka: Kafka;
  let producer: PulseProducer;

  beforeAll(async () => {
    topics = await createTestTopics('kafka-restart');
    kafka = createKafka({ brokers: [...stack.kafkaBrokers], clientId: uniqueName('kafka-restart') }, logger);
    producer = new PulseProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await topics?.cleanup();
  });

  function runner(groupId: string, handler: MessageHandler): ConsumerRunner {
    return new ConsumerRunner(
      kafka,
      producer,
      handler,
      {
        serviceName: 'kafka-restart',
        groupId,
        topics: [topics.names.eventsRaw],
        deadLetterTopic: topics.names.deadLetter,
        fromBeginning: true,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
        // Small fetches, so the stop lands in the middle of the stream rather than after one batch.
        maxBytesPerPartition: 2_048,
      },
      logger,
    );
  }

  it('resumes where it stopped: no message lost, none handled twice', async () => {
    const ids = Array.from({ length: MESSAGES }, (_, i) => `evt-${String(i).padStart(4, '0')}`);
    await producer.send(
      ids.map((id, i) => ({
        topic: topics.names.eventsRaw,
        key: `cust-${i % 17}`,
        value: JSON.stringify({ id }),
      })),
    );
    const groupId = uniqueName('restart');
    const handledBy = { first: [] as string[], second: [] as string[] };
    const idOf = (value: Buffer | null) => (JSON.parse(value!.toString('utf8')) as { id: string }).id;
    const slowly = (into: string[]): MessageHandler => ({
      handle: async (message) => {
        into.push(idOf(message.value));
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
    });

    const first = runner(groupId, slowly(handledBy.first));
    await first.start();
    await waitFor('the first consumer half-way', () => handledBy.first.length >= MESSAGES / 4);
    await first.stop();
    const handledBeforeStop = handledBy.first.length;
    expect(handledBeforeStop).toBeLessThan(MESSAGES);

    const second = runner(groupId, slowly(handledBy.second));
    await second.start();
    try {
      await waitFor(
        'every message handled',
        () => new Set([...handledBy.first, ...handledBy.second]).size === MESSAGES,
        { timeoutMs: 60_000 },
      );
    } finally {
      await second.stop();
    }

    // The first consumer did nothing after stop() returned.
    expect(handledBy.first).toHaveLength(handledBeforeStop);
    expect(handledBy.second.length).toBeGreaterThan(0);
    // No loss: every id was handled.
    expect(new Set([...handledBy.first, ...handledBy.second])).toEqual(new Set(ids));
    // No re-processing: a graceful stop commits the part of the batch it finished, so the
    // second consumer starts exactly after it.
    const duplicates = handledBy.second.filter((id) => handledBy.first.includes(id));
    expect(duplicates).toEqual([]);
    expect(handledBy.first.length + handledBy.second.length).toBe(MESSAGES);
  });
});
