import type { Admin, Kafka } from 'kafkajs';
import {
  committedOffsets,
  offsetsAtTime,
  partitionBounds,
  readTopicRange,
  resetGroupOffsets,
  type CommittedPosition,
  type ReadRangeOptions,
  type ReadRangeResult,
} from './operations';
import { ensureTopics, type EnsureTopicsResult, type TopicSpec } from './topics';

/** One partition's log: its first offset still kept and the offset the next record gets. */
export interface PartitionBounds {
  readonly low: string;
  readonly high: string;
}

/**
 * What a service reads about offsets: where each partition's log starts and ends, and where a
 * consumer group stands. The port services depend on instead of kafkajs' Admin (a test hands in
 * a plain object).
 */
export interface KafkaOffsets {
  partitionBounds(topic: string): Promise<Map<number, PartitionBounds>>;
  /** Offset '-1' (metadata null) on partitions where the group has committed nothing. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, CommittedPosition>>;
}

/**
 * A connected admin connection to the cluster, with the operations services and tools run on it
 * (the functions of operations.ts and topics.ts, bound to it). kafkajs' Admin stays inside.
 */
export class KafkaAdmin implements KafkaOffsets {
  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
  ) {}

  static async connect(kafka: Kafka): Promise<KafkaAdmin> {
    const admin = kafka.admin();
    await admin.connect();
    return new KafkaAdmin(kafka, admin);
  }

  partitionBounds(topic: string): Promise<Map<number, PartitionBounds>> {
    return partitionBounds(this.admin, topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<Map<number, CommittedPosition>> {
    return committedOffsets(this.admin, groupId, topic);
  }

  /** See offsetsAtTime. */
  offsetsAtTime(topic: string, timeMs: number): Promise<Map<number, string>> {
    return offsetsAtTime(this.admin, topic, timeMs);
  }

  async topicExists(topic: string): Promise<boolean> {
    return (await this.admin.listTopics()).includes(topic);
  }

  /** See ensureTopics. */
  ensureTopics(specs: TopicSpec[]): Promise<EnsureTopicsResult> {
    return ensureTopics(this.admin, specs);
  }

  /** See readTopicRange. */
  readTopicRange(topic: string, options?: ReadRangeOptions): Promise<ReadRangeResult> {
    return readTopicRange(this.kafka, this.admin, topic, options);
  }

  /** See resetGroupOffsets. */
  resetGroupOffsets(
    groupId: string,
    topic: string,
    positions: ReadonlyMap<number, CommittedPosition>,
  ): Promise<void> {
    return resetGroupOffsets(this.kafka, this.admin, groupId, topic, positions);
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }
}
