import type { PartitionRef } from '@pulse/kafka';
import type { KafkaClient } from '../state/tracked-table';
import type { CommittedOffsetReader } from './evaluator';

/** Reads a consumer group's committed offset and metadata for one partition through the admin API. */
export function committedOffsetReader(kafka: KafkaClient, groupId: string): CommittedOffsetReader {
  return async (ref: PartitionRef) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({ groupId, topics: [ref.topic] });
      const entry = topic?.partitions.find(({ partition }) => partition === ref.partition);
      return { offset: entry?.offset ?? '-1', metadata: entry?.metadata ?? null };
    } finally {
      await admin.disconnect();
    }
  };
}
