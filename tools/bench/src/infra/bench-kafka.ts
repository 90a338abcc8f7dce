import { createKafka, ensureTopics, retryRetriable } from '@pulse/kafka';
import pino, { type Logger } from 'pino';

/** The client @pulse/kafka builds; the harness names no Kafka library itself. */
export type KafkaClient = ReturnType<typeof createKafka>;
type Admin = ReturnType<KafkaClient['admin']>;

/**
 * The harness's own Kafka access (through @pulse/kafka's client factory): high watermarks for
 * throughput and lag, and clean-up of the topics and groups each cell run creates.
 */
export class BenchKafka {
  readonly kafka: KafkaClient;
  readonly logger: Logger;
  private admin: Admin | undefined;

  constructor(readonly brokers: string[]) {
    // Errors only: kafkajs's start-up warnings would drown the progress lines.
    this.logger = pino({ level: 'error', base: { component: 'bench' } }, pino.destination(2));
    this.kafka = createKafka({ brokers, clientId: 'pulse-bench' }, this.logger);
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Records ever appended to `topic`: the sum of its partitions' high watermarks. */
  async appended(topic: string): Promise<number> {
    const offsets = await (await this.connectedAdmin()).fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  }

  /** Deletes every topic whose name starts with `prefix` (a cell run's topics). */
  deleteTopicsWithPrefix(prefix: string): Promise<string[]> {
    return this.deleteTopicsWhere((topic) => topic.startsWith(prefix));
  }

  async deleteTopicsWhere(selected: (topic: string) => boolean): Promise<string[]> {
    const admin = await this.connectedAdmin();
    const topics = (await admin.listTopics()).filter(selected);
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    return topics;
  }

  /**
   * Creates the topic and returns once every partition has a leader (the services' own topic
   * creation: a broker answers UNKNOWN_TOPIC_OR_PARTITION for a moment after it creates a topic).
   */
  async createTopic(topic: string, partitions: number): Promise<void> {
    await ensureTopics(await this.connectedAdmin(), [
      { name: topic, partitions, replicationFactor: 1, config: {} },
    ]);
  }

  /** Writes one copy of a record to each partition of `topic` (control records: stream-time heartbeats). */
  async sendToEveryPartition(
    topic: string,
    record: { value: Buffer; headers: Record<string, string>; timestamp: number },
  ): Promise<number> {
    const partitions = await (await this.connectedAdmin()).fetchTopicOffsets(topic);
    const producer = this.kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: partitions.map(({ partition }) => ({
          partition,
          key: null,
          value: record.value,
          headers: record.headers,
          timestamp: String(record.timestamp),
        })),
      });
    } finally {
      await producer.disconnect();
    }
    return partitions.length;
  }

  /** Deletes consumer groups whose id starts with `prefix`; groups with members are left alone. */
  async deleteGroupsWithPrefix(prefix: string): Promise<void> {
    await this.deleteGroupsWhere((id) => id.startsWith(prefix));
  }

  async deleteGroupsWhere(selected: (groupId: string) => boolean): Promise<string[]> {
    const admin = await this.connectedAdmin();
    // Right after the broker starts, its group coordinator may still be loading (a retriable error).
    const { groups } = await retryRetriable(() => admin.listGroups(), 8);
    const ids = groups.map((group) => group.groupId).filter(selected);
    if (ids.length === 0) return ids;
    try {
      await admin.deleteGroups(ids);
    } catch (error) {
      this.logger.warn({ err: error, groups: ids }, 'could not delete every consumer group');
    }
    return ids;
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }
}
