import type { EachBatchPayload, Kafka } from 'kafkajs';

/** One record of a table topic, as a test writes it. */
export interface TableRecord {
  readonly key: string;
  readonly value: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

type BatchEndListener = (event: { payload: { partition: number; lastOffset: string } }) => void;
type GroupJoinListener = () => void;

const BATCH_END = 'consumer.end_batch_process';
const GROUP_JOIN = 'consumer.group_join';

/**
 * A Kafka double for readers of one table topic (`TopicTableReader` and what is built on it):
 * partition 0 only, its end offset as the admin reports it (`high`), records handed to the
 * reader's `eachBatch` (`deliver`), and batch ends as kafkajs reports them (`endBatch`), also of
 * batches that hold no message (transaction markers). Records given as `stored` are the
 * reader's first fetch. `rejoin` is a rebalance: kafkajs then fetches from the offset the reader
 * seeks to as it joins, or from the earliest offset when it seeks nowhere.
 */
export class TableKafkaDouble {
  /** The partition's end offset; by default the number of stored records. */
  high: number;
  private eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  private readonly batchEnds: BatchEndListener[] = [];
  private readonly groupJoins: GroupJoinListener[] = [];
  private sought: number | undefined;
  private nextOffset = 0;
  private readonly topic: string;
  private readonly stored: readonly TableRecord[];

  constructor(options: { topic: string; stored?: readonly TableRecord[]; high?: number }) {
    this.topic = options.topic;
    this.stored = options.stored ?? [];
    this.high = options.high ?? this.stored.length;
  }

  readonly kafka = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicOffsets: async () => [{ partition: 0, high: String(this.high), low: '0' }],
    }),
    consumer: () => ({
      connect: async () => undefined,
      subscribe: async () => undefined,
      disconnect: async () => undefined,
      events: { END_BATCH_PROCESS: BATCH_END, GROUP_JOIN },
      on: (event: string, listener: BatchEndListener & GroupJoinListener) => {
        if (event === BATCH_END) this.batchEnds.push(listener);
        if (event === GROUP_JOIN) this.groupJoins.push(listener);
        return () => undefined;
      },
      seek: ({ partition, offset }: { partition: number; offset: string }) => {
        if (partition === 0) this.sought = Number(offset);
      },
      run: async ({ eachBatch }: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
        this.eachBatch = eachBatch;
        if (this.stored.length > 0) await this.deliver(this.stored, 0);
      },
    }),
  } as unknown as Kafka;

  /** Hands the records over as one batch; offsets continue from the last delivered unless given. */
  async deliver(records: readonly TableRecord[], firstOffset = this.nextOffset): Promise<void> {
    if (this.eachBatch === undefined) throw new Error(`the reader of ${this.topic} has not started`);
    const messages = records.map(({ key, value, headers = {} }, index) => ({
      key: Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      offset: String(firstOffset + index),
      timestamp: '0',
      attributes: 0,
      headers: Object.fromEntries(Object.entries(headers).map(([name, text]) => [name, Buffer.from(text)])),
    }));
    this.nextOffset = firstOffset + records.length;
    await this.eachBatch({
      batch: { topic: this.topic, partition: 0, messages },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
    } as unknown as EachBatchPayload);
  }

  /** A rebalance: the reader is told it joined; returns the offset kafkajs fetches from next. */
  rejoin(): number {
    this.sought = undefined;
    for (const listener of this.groupJoins) listener();
    return this.sought ?? 0;
  }

  /** The end of a batch up to `lastOffset`, as kafkajs reports it (END_BATCH_PROCESS). */
  endBatch(lastOffset: number): void {
    for (const listener of this.batchEnds)
      listener({ payload: { partition: 0, lastOffset: String(lastOffset) } });
  }
}
