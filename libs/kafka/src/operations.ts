import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { retryRetriable } from './retriable';
import { toConsumedMessage, type ConsumedMessage } from './message';

/**
 * Operator tools on top of kafkajs (for the CLI's `dlq` and `reprocess`): kept here so that
 * kafkajs stays behind @pulse/kafka.
 */

/** Next offset to read per partition (Kafka's string offsets). */
export type PartitionOffsets = ReadonlyMap<number, string>;

export class ConsumerGroupActiveError extends Error {
  override name = 'ConsumerGroupActiveError';
}

/** The state of a consumer group: `Empty` or `Dead` when no member is running. */
export async function consumerGroupState(admin: Admin, groupId: string): Promise<string> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]?.state ?? 'Dead';
}

/**
 * Per partition, the first offset whose record timestamp is at or after `timeMs` (on
 * `events.enriched` record timestamps are event times); the end of the partition when none is.
 */
export async function offsetsAtTime(
  admin: Admin,
  topic: string,
  timeMs: number,
): Promise<Map<number, string>> {
  const [atTime, ends] = await Promise.all([
    retryRetriable(() => admin.fetchTopicOffsetsByTimestamp(topic, timeMs)),
    retryRetriable(() => admin.fetchTopicOffsets(topic)),
  ]);
  const endOf = new Map(ends.map(({ partition, high }) => [partition, high]));
  return new Map(
    atTime.map(({ partition, offset }) => [
      partition,
      offset === '-1' ? (endOf.get(partition) ?? '0') : offset,
    ]),
  );
}

/** Where a group stands on one partition: the offset ('-1' when none) and its metadata. */
export interface CommittedPosition {
  readonly offset: string;
  readonly metadata: string | null;
}

/** The group's committed positions on `topic` (offset '-1' where it has none). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, CommittedPosition>> {
  const [committed] = await retryRetriable(() => admin.fetchOffsets({ groupId, topics: [topic] }));
  return new Map(
    (committed?.partitions ?? []).map(({ partition, offset, metadata }) => [
      partition,
      { offset, metadata: metadata ?? null },
    ]),
  );
}

/** Start and end (exclusive) offsets of each partition. */
export async function partitionBounds(
  admin: Admin,
  topic: string,
): Promise<Map<number, { low: string; high: string }>> {
  const offsets = await retryRetriable(() => admin.fetchTopicOffsets(topic));
  return new Map(offsets.map(({ partition, low, high }) => [partition, { low, high }]));
}

/**
 * Moves a stopped consumer group to `positions` on `topic` (partitions not named keep theirs),
 * each offset stored with its metadata (aggregation reads its replay state from it). Refuses
 * while the group has members: Kafka would reject it, and a running service would overwrite it
 * with its next commit.
 *
 * kafkajs' `admin.setOffsets` stores no metadata, so this joins the empty group itself with a
 * paused consumer (as setOffsets does), commits, and leaves.
 */
export async function resetGroupOffsets(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  topic: string,
  positions: ReadonlyMap<number, CommittedPosition>,
): Promise<void> {
  const state = await consumerGroupState(admin, groupId);
  if (state !== 'Empty' && state !== 'Dead') {
    throw new ConsumerGroupActiveError(
      `consumer group ${groupId} is ${state}: stop (or scale to zero) the service that uses it first`,
    );
  }
  if (positions.size === 0) return;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let joined: () => void = () => undefined;
  let crashed: (error: Error) => void = () => undefined;
  const joining = new Promise<void>((resolve, reject) => {
    joined = resolve;
    crashed = reject;
  });
  const listeners = [
    consumer.on(consumer.events.GROUP_JOIN, () => joined()),
    // A failed join ends in a crash, not in run()'s promise: report its cause.
    consumer.on(consumer.events.CRASH, ({ payload }) => crashed(payload.error)),
  ];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await withTimeout(joining, 30_000, `joining consumer group ${groupId}`);
    // The join happened inside run(); the first fetch is still reading committed offsets, so
    // pausing now keeps it from fetching anything: it only needs to be a member to commit.
    consumer.pause([{ topic }]);
    await consumer.commitOffsets(
      [...positions].map(([partition, { offset, metadata }]) => ({ topic, partition, offset, metadata })),
    );
  } finally {
    for (const remove of listeners) remove();
    await consumer.disconnect();
  }
}

export interface ReadRangeOptions {
  /** Where to start per partition; default the beginning. Offsets before the log start are clamped. */
  from?: PartitionOffsets;
  /** Read only these partitions (default all). */
  partitions?: readonly number[];
  /** Stop after this many messages (the rest stays for the next read). */
  limit?: number;
  timeoutMs?: number;
}

export interface ReadRangeResult {
  messages: ConsumedMessage[];
  /** Per partition, the offset after the last message read (where a next read would start). */
  next: Map<number, string>;
}

/**
 * Reads `topic` from `from` up to its end as of the call (messages arriving meanwhile are left
 * for later), in offset order per partition, without committing anything: a throwaway consumer
 * group that is deleted afterwards.
 */
export async function readTopicRange(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  options: ReadRangeOptions = {},
): Promise<ReadRangeResult> {
  const bounds = await partitionBounds(admin, topic);
  const next = new Map<number, string>();
  const pending = new Map<number, bigint>();
  for (const [partition, { low, high }] of bounds) {
    if (options.partitions !== undefined && !options.partitions.includes(partition)) continue;
    const requested = options.from?.get(partition);
    const start =
      requested === undefined || requested === '-1' || BigInt(requested) < BigInt(low) ? low : requested;
    next.set(partition, start);
    if (BigInt(start) < BigInt(high)) pending.set(partition, BigInt(high));
  }
  const messages: ConsumedMessage[] = [];
  if (pending.size === 0) return { messages, next };

  const groupId = `pulse-cli-read-${randomUUID()}`;
  // A short fetch wait: disconnecting waits for the fetch in flight (kafkajs default 5 s).
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // kafkajs forgets fetch positions on every (re)join, a restart after a crash included, and
    // would start from the earliest offset: each join seeks to where the read got.
    // Partitions with nothing to read are paused: subscribed from the beginning, they would be
    // fetched whole for nothing.
    const idle = [...bounds.keys()].filter((partition) => !pending.has(partition));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
      for (const partition of pending.keys())
        consumer.seek({ topic, partition, offset: next.get(partition) as string });
    });
    // A partition may end in records that are not messages (the markers of a transaction's end),
    // so the end is seen in the offsets a batch covers, not only in the last message.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = pending.get(payload.partition);
      if (end === undefined || BigInt(payload.lastOffset) + 1n < end) return;
      next.set(payload.partition, end.toString());
      pending.delete(payload.partition);
      if (pending.size === 0) done();
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = pending.get(partition);
        if (end === undefined || messages.length >= limit) return;
        const offset = BigInt(message.offset);
        if (offset >= end || offset < BigInt(next.get(partition) as string)) return;
        messages.push(toConsumedMessage(topic, partition, message));
        next.set(partition, (offset + 1n).toString());
        if (offset + 1n >= end) pending.delete(partition);
        if (pending.size === 0 || messages.length >= limit) done();
      },
    });
    await withTimeout(finished, options.timeoutMs ?? 30_000, `reading ${topic}`);
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  messages.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return { messages, next };
}

async function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
