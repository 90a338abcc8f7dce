import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { retryRetriable } from './retriable';
import { toConsumedMessage, type ConsumedMessage } from './message';

export interface TableReaderOptions<V> {
  topic: string;
  /** Prefix of the throw-away consumer group; each reader instance reads every partition. */
  groupIdPrefix: string;
  /** Decodes a record value; throw to skip a bad record (it is logged and counted). */
  decode(message: ConsumedMessage): V;
  /** Key under which the value is stored; defaults to the record key. */
  keyOf?(message: ConsumedMessage, value: V): string;
  onChange?(key: string, value: V | undefined): void;
  /** Called for every record read, tombstones included, before it is applied. */
  onRead?(message: ConsumedMessage): void;
  /**
   * Keep at most this many entries: past it, the entry set least recently is dropped (for
   * tables read from a non-compacted topic, such as the alert log). Unbounded when absent.
   */
  maxEntries?: number;
}

/**
 * Materialises a compacted topic into memory with table semantics: the latest value per key
 * wins and a tombstone (null value) deletes. Every instance reads all partitions from the start
 * in a group of its own, commits nothing, and is ready once it reached the end offsets it saw
 * at start-up.
 *
 * How far it read counts every offset, also those that hold no message: a transaction's end
 * marker (`pulse dlq redrive` writes in transactions, so a partition can end with one) is never
 * handed to `eachBatch`, and a batch of nothing else is not handed over at all. The end of each
 * batch, as kafkajs reports it, says how far the reader got. The end offsets are read_committed
 * ones: a transaction whose commit markers are not written yet is not part of them, and is read
 * once it becomes visible.
 *
 * kafkajs forgets its fetch positions whenever the consumer (re)joins its group (a rebalance,
 * a restart after a crash) and, with nothing committed, starts again from the earliest offset.
 * Re-reading an older value of a key after its newer one would roll the table back, possibly
 * after it was declared ready, so each join seeks back to where the reader got, and a record
 * below that position is never applied twice.
 */
export class TopicTableReader<V> {
  private readonly table = new Map<string, V>();
  private readonly consumer: Consumer;
  private readonly pendingEnds = new Map<number, bigint>();
  /** Per partition, the offset of the next record to read. */
  private readonly positions = new Map<number, bigint>();
  private readyResolve!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.readyResolve = resolve));
  private ready = false;
  private skipped = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TableReaderOptions<V>,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({
      groupId: `${options.groupIdPrefix}-${randomUUID()}`,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      // Bounds how long stop() waits for the fetch in flight on an idle topic (kafkajs default 5 s).
      maxWaitTimeInMs: 1_000,
    });
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await retryRetriable(() => admin.fetchTopicOffsets(this.options.topic));
      for (const { partition, high, low } of offsets) {
        if (BigInt(high) > BigInt(low)) this.pendingEnds.set(partition, BigInt(high));
      }
    } finally {
      await admin.disconnect();
    }
    this.markReadyIfCaughtUp();
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.advance(payload.partition, BigInt(payload.lastOffset) + 1n),
    );
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.resumeWhereRead());
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.apply(payload) });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  /** Resolves once the initial load reached the end offsets seen at start, or rejects after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.options.topic} not loaded within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.readyPromise, timeout]).finally(() => clearTimeout(timer));
  }

  isReady(): boolean {
    return this.ready;
  }

  get(key: string): V | undefined {
    return this.table.get(key);
  }

  get size(): number {
    return this.table.size;
  }

  /**
   * The offset of the next record to read in `partition` (every offset counts: tombstones,
   * skipped records, transaction markers); undefined before the reader got anything of it.
   */
  position(partition: number): bigint | undefined {
    return this.positions.get(partition);
  }

  get skippedRecords(): number {
    return this.skipped;
  }

  values(): IterableIterator<V> {
    return this.table.values();
  }

  /**
   * Drops an entry from memory only (no onChange; the topic keeps its records): for an owner that
   * expires entries of a topic without tombstones. A later record of the key brings it back.
   */
  forget(key: string): void {
    this.table.delete(key);
  }

  private async apply({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    for (const raw of batch.messages) {
      const offset = BigInt(raw.offset);
      const position = this.positions.get(batch.partition);
      if (position === undefined || offset >= position) {
        this.applyOne(toConsumedMessage(batch.topic, batch.partition, raw));
        this.advance(batch.partition, offset + 1n);
      }
      resolveOffset(raw.offset);
    }
    await heartbeat();
  }

  /** Called as the consumer (re)joins: its next fetch of each partition starts where this reader got. */
  private resumeWhereRead(): void {
    for (const [partition, position] of this.positions)
      this.consumer.seek({ topic: this.options.topic, partition, offset: position.toString() });
  }

  private advance(partition: number, next: bigint): void {
    const known = this.positions.get(partition);
    if (known !== undefined && known >= next) return;
    this.positions.set(partition, next);
    const end = this.pendingEnds.get(partition);
    if (end !== undefined && next >= end) {
      this.pendingEnds.delete(partition);
      this.markReadyIfCaughtUp();
    }
  }

  private applyOne(message: ConsumedMessage): void {
    this.options.onRead?.(message);
    const key = message.key?.toString('utf8');
    if (message.value === null) {
      if (key !== undefined && this.table.delete(key)) this.options.onChange?.(key, undefined);
      return;
    }
    try {
      const value = this.options.decode(message);
      const storeKey = this.options.keyOf?.(message, value) ?? key;
      if (storeKey === undefined) throw new Error('record has no key');
      this.store(storeKey, value);
      this.options.onChange?.(storeKey, value);
    } catch (error) {
      this.skipped += 1;
      this.logger.warn(
        { topic: message.topic, partition: message.partition, offset: message.offset, err: error },
        'skipped an invalid reference record',
      );
    }
  }

  private store(key: string, value: V): void {
    const max = this.options.maxEntries;
    if (max === undefined) {
      this.table.set(key, value);
      return;
    }
    // Re-inserting moves the key to the end of the Map's order: the first key is the stalest.
    this.table.delete(key);
    this.table.set(key, value);
    while (this.table.size > max) {
      const stalest = this.table.keys().next().value as string;
      this.table.delete(stalest);
      this.options.onChange?.(stalest, undefined);
    }
  }

  private markReadyIfCaughtUp(): void {
    if (!this.ready && this.pendingEnds.size === 0) {
      this.ready = true;
      this.logger.info({ topic: this.options.topic, entries: this.table.size }, 'reference table loaded');
      this.readyResolve();
    }
  }
}
