import { SpanStatusCode, type Span } from '@opentelemetry/api';
import {
  Partitioners,
  type CompressionTypes,
  type Kafka,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import { DEFAULT_COMPRESSION, compressionType, type Compression } from './compression';
import { TransactionFencedError, isProducerFenced } from './errors';
import type { KafkaMetrics } from './kafka-metrics';
import type { OutgoingRecord } from './message';
import { startProducerSpan } from './trace-context';

export interface ProducerOptions {
  /** Record-batch compression (default `none`, see compression.ts for the trade-off). */
  compression?: Compression;
  /** Requests in flight at once before `isSaturated()` says so (ingestion answers 503 then). */
  maxPendingSends?: number;
  /**
   * Uncompressed bytes per produce request at most (default 1,000,000, below the broker's
   * default message.max.bytes of 1 MiB); larger sends are split into several requests.
   */
  maxRequestBytes?: number;
}

const byteLength = (data: string | Buffer | null | undefined): number =>
  data === null || data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length;

/** Rough wire size of a record before compression: key, value, headers and record overhead. */
function recordBytes({ key, value, headers }: OutgoingRecord): number {
  let bytes = 32 + byteLength(key) + byteLength(value);
  for (const name in headers) bytes += byteLength(name) + byteLength(headers[name]);
  return bytes;
}

/** Consecutive chunks of at most `maxBytes` each (a record larger than that goes alone). */
function* chunksOf(
  prepared: readonly PreparedRecord[],
  maxBytes: number,
): Generator<readonly PreparedRecord[]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < prepared.length; i += 1) {
    const size = recordBytes((prepared[i] as PreparedRecord).record);
    if (i > start && bytes + size > maxBytes) {
      yield prepared.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  yield start === 0 ? prepared : prepared.slice(start);
}

function groupByTopic(records: readonly OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    const messages = byTopic.get(record.topic) ?? [];
    messages.push({
      key: record.key,
      value: record.value,
      headers: record.headers,
      ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
    });
    byTopic.set(record.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** A record whose trace context is already in its headers, with the span to end on acknowledgement. */
export interface PreparedRecord {
  readonly record: OutgoingRecord;
  readonly span: Span;
}

interface QueuedSend {
  readonly prepared: readonly PreparedRecord[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The one producer every service uses: idempotent, acks=all, one request in flight per broker
 * connection (kafkajs requires it for idempotence), trace context in every record.
 */
export class PulseProducer {
  private producer: Producer;
  /**
   * Set when a send failed: the next request first takes a new producer id (see `renewIdentity`).
   */
  private identitySuspect = false;
  private readonly compression: CompressionTypes;
  private readonly maxPendingSends: number;
  private readonly maxRequestBytes: number;
  private pending = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly queue: QueuedSend[] = [];
  private draining: Promise<void> | null = null;
  private connected = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly metrics?: KafkaMetrics,
    options: ProducerOptions = {},
  ) {
    this.producer = this.createProducer();
    this.compression = compressionType(options.compression ?? DEFAULT_COMPRESSION);
    this.maxPendingSends = options.maxPendingSends ?? 64;
    this.maxRequestBytes = options.maxRequestBytes ?? 1_000_000;
  }

  private createProducer(): Producer {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioner, so Pulse and other Kafka tools agree on key placement.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (producer === this.producer) this.connected = false;
    });
    producer.on(producer.events.CONNECT, () => {
      if (producer === this.producer) this.connected = true;
    });
    return producer;
  }

  /**
   * kafkajs rolls a partition's sequence number back when a produce request fails, also one that
   * timed out on the client after the broker appended it. While kafkajs retries, the broker takes
   * the resend for the duplicate it is. But once kafkajs gives up, the broker's sequence is ahead
   * of the client's: the next batch of the same size is acknowledged as a duplicate and dropped
   * (acknowledged, never written), and one of another size fails with OUT_OF_ORDER_SEQUENCE_NUMBER
   * on every send until the process restarts — kafkajs never asks for a new producer id. So after
   * any failed send the next request goes out under a new producer id, whose sequences start
   * afresh; what the failed send may have written stays, and is re-sent by the caller's retry
   * (at-least-once, deduplicated downstream by event id).
   */
  private async renewIdentity(): Promise<void> {
    const previous = this.producer;
    const next = this.createProducer();
    try {
      await next.connect();
    } catch (error) {
      await next.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = next;
    this.connected = true;
    this.identitySuspect = false;
    this.metrics?.producerIdentityRenewals.inc();
    await previous.disconnect().catch(() => undefined);
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** True when so many sends wait for the broker that accepting more would only queue memory. */
  isSaturated(): boolean {
    return this.pending >= this.maxPendingSends;
  }

  /** Starts a producer span under the active context and injects it; call inside the work's context. */
  prepare(record: OutgoingRecord): PreparedRecord {
    const headers = { ...record.headers };
    const span = startProducerSpan(record.topic, headers);
    return { record: { ...record, headers }, span };
  }

  /** Sends records under the active trace context and resolves once the broker acknowledged all. */
  async send(records: OutgoingRecord[]): Promise<void> {
    await this.sendPrepared(records.map((record) => this.prepare(record)));
  }

  /**
   * Sends prepared records and resolves once the broker acknowledged all; rejects if any was not.
   * Large sends go out as several requests of at most `maxRequestBytes` each (one after the
   * other), so no partition's record batch can exceed the broker's message.max.bytes — a consumer
   * that turns one fetched batch into bigger records (enrichment) would otherwise be refused
   * with MESSAGE_TOO_LARGE for ever.
   *
   * Group commit: while a request is in flight (the idempotent producer allows one per broker
   * anyway), sends that arrive meanwhile — e.g. from partitions consumed concurrently — wait in a
   * queue and go out together in the next request, in arrival order. Each caller still resolves
   * only when its own records are acknowledged; a failed request fails every send in it.
   */
  async sendPrepared(prepared: readonly PreparedRecord[]): Promise<void> {
    if (prepared.length === 0) return;
    this.pending += 1;
    const sending = new Promise<void>((resolve, reject) => this.queue.push({ prepared, resolve, reject }));
    this.inFlight.add(sending);
    this.draining ??= this.drain();
    try {
      await sending;
      for (const { span } of prepared) span.end();
    } catch (error) {
      for (const { span } of prepared) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        span.end();
      }
      throw error;
    } finally {
      this.pending -= 1;
      this.inFlight.delete(sending);
    }
  }

  /** Sends what is queued, request after request, until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const sends = this.queue.splice(0, this.queue.length);
        const records =
          sends.length === 1 ? (sends[0] as QueuedSend).prepared : sends.flatMap((send) => send.prepared);
        try {
          await this.sendInRequests(records);
          for (const send of sends) send.resolve();
        } catch (error) {
          for (const send of sends) send.reject(error);
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private async sendInRequests(prepared: readonly PreparedRecord[]): Promise<void> {
    for (const chunk of chunksOf(prepared, this.maxRequestBytes)) {
      const topicMessages = groupByTopic(chunk.map(({ record }) => record));
      try {
        if (this.identitySuspect) await this.renewIdentity();
        await this.producer.sendBatch({ topicMessages, acks: -1, compression: this.compression });
      } catch (error) {
        this.identitySuspect = true;
        for (const { topic } of topicMessages) this.metrics?.produceErrors.inc({ topic });
        throw error;
      }
      for (const { topic, messages } of topicMessages) this.metrics?.produced.inc({ topic }, messages.length);
    }
  }

  /** Waits for every send in flight to settle (kafkajs has no client-side linger buffer). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async disconnect(): Promise<void> {
    await this.flush();
    await this.producer.disconnect();
    this.connected = false;
  }
}

/**
 * Sends records as one Kafka transaction: consumers (read_committed, the kafkajs default) see all
 * of them or none. For operator commands whose records must not be half written, e.g. re-driven
 * dead letters and the marks that say they were re-driven. One `transactionalId` per command.
 *
 * Given a function, it composes the records only once it holds the transactional id. Claiming
 * the id fences any earlier writer with it and waits until that writer's transaction is complete
 * (Kafka returns from a commit before the commit markers are written, and until then the records
 * are invisible), so what the function reads includes everything committed under the id; a
 * writer that claims the id meanwhile makes this one fail (`TransactionFencedError`) instead of
 * both landing.
 * Resolves to the number of records sent.
 */
export async function sendAtomically(
  kafka: Kafka,
  transactionalId: string,
  records: readonly OutgoingRecord[] | (() => Promise<readonly OutgoingRecord[]>),
): Promise<number> {
  if (Array.isArray(records) && records.length === 0) return 0;
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    try {
      const composed = typeof records === 'function' ? await records() : records;
      if (composed.length > 0)
        await transaction.sendBatch({ acks: -1, topicMessages: groupByTopic(composed) });
      await transaction.commit();
      return composed.length;
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw isProducerFenced(error) ? new TransactionFencedError(transactionalId, { cause: error }) : error;
    }
  } finally {
    await producer.disconnect();
  }
}
