import { TopicTableReader, retryRetriable, type ConsumedMessage, type KafkaRuntime } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { sleep } from '@pulse/retry';

/** The Kafka client type, named without importing kafkajs outside @pulse/kafka. */
export type KafkaClient = KafkaRuntime['kafka'];

export interface TrackedTableOptions<V> {
  topic: string;
  groupIdPrefix: string;
  decode(message: ConsumedMessage): V;
  keyOf?(message: ConsumedMessage, value: V): string;
  onChange?(key: string, value: V | undefined): void;
}

/**
 * A TopicTableReader (every partition, from the start, no commits) that also knows how far it has
 * read, so a caller can wait until it has seen everything written before a given moment — the
 * fence a new partition owner needs before trusting the table (the previous owner's last
 * writes were acknowledged before it gave the partition up). Every offset counts for the
 * position (TopicTableReader.position): tombstones, and the transaction markers a re-drive
 * leaves (a partition may end with either).
 */
export class TrackedTable<V> {
  private readonly reader: TopicTableReader<V>;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly options: TrackedTableOptions<V>,
    logger: Logger,
  ) {
    this.reader = new TopicTableReader<V>(
      kafka,
      {
        topic: options.topic,
        groupIdPrefix: options.groupIdPrefix,
        decode: (message) => options.decode(message),
        ...(options.keyOf ? { keyOf: options.keyOf } : {}),
        ...(options.onChange ? { onChange: options.onChange } : {}),
      },
      logger,
    );
  }

  async start(timeoutMs: number): Promise<void> {
    await this.reader.start();
    await this.reader.whenReady(timeoutMs);
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }

  isReady(): boolean {
    return this.reader.isReady();
  }

  /** Drops an entry from memory only (see TopicTableReader.forget). */
  forget(key: string): void {
    this.reader.forget(key);
  }

  /** Resolves once everything written to the topic before this call has been read. */
  async waitUntilCaughtUp(timeoutMs: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string; low: string }[];
    try {
      ends = await retryRetriable(() => admin.fetchTopicOffsets(this.options.topic));
    } finally {
      await admin.disconnect();
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind = ends.filter(({ partition, high, low }) => {
        if (BigInt(high) <= BigInt(low)) return false;
        const next = this.reader.position(partition);
        return next === undefined || next < BigInt(high);
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.options.topic} not read up to its end within ${timeoutMs} ms (partitions ${behind
            .map(({ partition }) => partition)
            .join(', ')})`,
        );
      }
      await sleep(10);
    }
  }
}

/**
 * A store whose contents are a TrackedTable's: starting, stopping, readiness and catching up are
 * the table's own. Subclasses build `table` in their constructor, with callbacks into themselves.
 */
export abstract class TableBackedStore<V> {
  protected abstract readonly table: TrackedTable<V>;

  start(timeoutMs: number): Promise<void> {
    return this.table.start(timeoutMs);
  }

  stop(): Promise<void> {
    return this.table.stop();
  }

  isReady(): boolean {
    return this.table.isReady();
  }

  /** Resolves once every record written to the topic before the call has been read. */
  waitUntilCaughtUp(timeoutMs: number): Promise<void> {
    return this.table.waitUntilCaughtUp(timeoutMs);
  }
}
