import { Kafka, logLevel, type Admin } from 'kafkajs';
// libs/kafka's integration specs use these fixtures: a test-only cycle, accepted there and here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  declaredTopics,
  ensureTopics,
  readTopicRange,
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
  try {
    return (await readTopicRange(kafka, admin, topic, { timeoutMs })).messages;
  } finally {
    await admin.disconnect();
  }
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
