import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
// libs/kafka's integration specs use these fixtures: a test-only cycle, accepted there and here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  declaredTopics,
  ensureTopics,
  toConsumedMessage,
  topicNames,
  type ConsumedMessage,
  type TopicNames,
} from '@pulse/kafka';
import { stack, uniqueName, waitFor } from './stack';

/**
 * A kafkajs client for test code itself (assertions, seeding), quiet unless something breaks.
 * `brokers`: another cluster than the local stack's, e.g. a private broker a test may stop.
 */
export function testKafka(clientId = 'pulse-test', brokers: readonly string[] = stack.kafkaBrokers): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.ERROR });
}

export interface TestTopics {
  prefix: string;
  names: TopicNames;
  kafka: Kafka;
  admin: Admin;
  /** Deletes the suite's topics and disconnects. */
  cleanup(): Promise<void>;
}

/**
 * Creates the full declared topic layout under a fresh prefix (3 partitions, replication 1), on
 * the local stack's broker or on `brokers`.
 */
export async function createTestTopics(
  label: string,
  partitions = 3,
  brokers: readonly string[] = stack.kafkaBrokers,
): Promise<TestTopics> {
  const prefix = `${uniqueName(label)}.`;
  const kafka = testKafka('pulse-test', brokers);
  const admin = kafka.admin();
  await admin.connect();
  const specs = declaredTopics({ prefix, partitions, replicationFactor: 1 });
  try {
    await ensureTopics(admin, specs);
  } catch (error) {
    // Otherwise the open admin connection keeps Jest from exiting after the failed suite.
    await admin.disconnect();
    throw error;
  }
  return {
    prefix,
    names: topicNames(prefix),
    kafka,
    admin,
    async cleanup() {
      try {
        await admin.deleteTopics({ topics: specs.map((spec) => spec.name), timeout: 10_000 });
      } catch {
        // Topics of a test run that failed half-way may already be gone; nothing to clean.
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** Reads every message currently in `topic` (all partitions, from the start), without a lasting group. */
export async function readAll(
  kafka: Kafka,
  topic: string,
  { timeoutMs = 20_000 } = {},
): Promise<ConsumedMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
    }
  } finally {
    await admin.disconnect();
  }
  const messages: ConsumedMessage[] = [];
  if (ends.size === 0) return messages;
  // A short fetch wait: disconnecting waits for the fetch in flight (kafkajs default 5 s).
  const consumer = kafka.consumer({ groupId: `pulse-test-read-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const remaining = new Map(ends);
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        messages.push(toConsumedMessage(t, partition, message));
        const end = remaining.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
      },
    });
    await waitFor(`all of ${topic} to be read`, () => remaining.size === 0, { timeoutMs });
  } finally {
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Waits until `topic` holds at least `count` messages and returns them all. */
export async function waitForMessages(
  kafka: Kafka,
  topic: string,
  count: number,
  { timeoutMs = 30_000 } = {},
): Promise<ConsumedMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `${count} messages in ${topic}`,
      async () => {
        const offsets = await admin.fetchTopicOffsets(topic);
        const total = offsets.reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0);
        return total >= count;
      },
      { timeoutMs },
    );
  } finally {
    await admin.disconnect();
  }
  return readAll(kafka, topic, { timeoutMs });
}
