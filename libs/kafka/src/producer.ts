import type { Span } from '@opentelemetry/api';
import {
  Partitioners,
  type CompressionTypes,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import { DEFAULT_COMPRESSION, compressionType, type Compression } from './compression';
import { KafkaAdmin } from './admin';
import { TransactionFencedError, isProducerFenced } from './errors';
import type { KafkaMetrics } from './kafka-metrics';
import type { OutgoingRecord } from './message';
import { commitFailure, readTransactionOutcome } from './transaction-outcome';
import { endProducerSpan, startProducerSpan, type KafkaServer } from './trace-context';

export interface ProducerOptions {
  /** Record-batch compression (default `none`, see compression.ts for the trade-off). */
  compression?: Compression;
  /**
   * Records waiting for a request at most before `isSaturated()` / `hasRoomFor()` say so
   * (ingestion answers 503 then; default 20,000). Advisory: `sendPrepared` never refuses.
   */
  maxQueuedRecords?: number;
  /**
   * Bytes per produce request at most, as `requestBytes` counts them (default 1,048,576, Kafka's
   * default max.request.size); larger sends are split into several requests.
   */
  maxRequestBytes?: number;
  /** The broker the producer's spans name (`server.address`); see `bootstrapServer`. */
  server?: KafkaServer;
}

export interface SendOptions {
  /**
   * Aborting withdraws the records while they still wait for a request: the send then rejects
   * with the signal's reason and none of them is written. Once in a request, it has no effect.
   */
  signal?: AbortSignal;
}

/** Outcome and duration of one produce request, for `onRequest` listeners. */
export type RequestListener = (outcome: 'acknowledged' | 'failed', seconds: number) => void;

/** Kafka's default max.request.size; the broker's default message.max.bytes is 12 bytes more. */
export const DEFAULT_MAX_REQUEST_BYTES = 1_048_576;

/** Header of a v2 record batch (offset, length, epoch, magic, CRC, attributes, … record count). */
const RECORD_BATCH_OVERHEAD = 61;
/**
 * Widest fields of one v2 record besides key, value and headers: length, attributes, timestamp
 * delta, offset delta, key length, value length and header count, varints at their widest.
 */
const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** Widest key length and value length varints of one record header. */
const HEADER_OVERHEAD = 5 + 5;

const byteLength = (data: string | Buffer | null | undefined): number =>
  data === null || data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length;

/** Upper bound of a record's size in an uncompressed v2 record batch. */
function recordBytes({ key, value, headers }: OutgoingRecord): number {
  let bytes = RECORD_OVERHEAD + byteLength(key) + byteLength(value);
  for (const name in headers) bytes += HEADER_OVERHEAD + byteLength(name) + byteLength(headers[name]);
  return bytes;
}

/**
 * Upper bound of the uncompressed size of any record batch a request with these records holds:
 * a batch holds one partition's records, so at most all of them plus one batch header.
 */
export function requestBytes(records: readonly OutgoingRecord[]): number {
  return records.reduce((sum, record) => sum + recordBytes(record), RECORD_BATCH_OVERHEAD);
}

/** Consecutive chunks of at most `maxBytes` each (a record larger than that goes alone). */
function* chunksOf(
  prepared: readonly PreparedRecord[],
  maxBytes: number,
): Generator<readonly PreparedRecord[]> {
  let start = 0;
  let bytes = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < prepared.length; i += 1) {
    const size = recordBytes((prepared[i] as PreparedRecord).record);
    if (i > start && bytes + size > maxBytes) {
      yield prepared.slice(start, i);
      start = i;
      bytes = RECORD_BATCH_OVERHEAD;
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
  /** `requestBytes` of the records less the batch header, counted once per request. */
  readonly bytes: number;
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
  private readonly maxQueuedRecords: number;
  private readonly maxRequestBytes: number;
  /** The broker this producer's spans name; the service's consumers name the same one. */
  readonly server: KafkaServer | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly queue: QueuedSend[] = [];
  private queued = 0;
  private draining: Promise<void> | null = null;
  private requestSince: number | null = null;
  private readonly requestListeners: RequestListener[] = [];
  private connected = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly metrics?: KafkaMetrics,
    options: ProducerOptions = {},
  ) {
    this.producer = this.createProducer();
    this.compression = compressionType(options.compression ?? DEFAULT_COMPRESSION);
    this.maxQueuedRecords = options.maxQueuedRecords ?? 20_000;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.server = options.server;
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

  /** True when so many records wait for a request that accepting more would only queue memory. */
  isSaturated(): boolean {
    return this.queued >= this.maxQueuedRecords;
  }

  /** Whether `records` more may wait for a request without exceeding `maxQueuedRecords`. */
  hasRoomFor(records: number): boolean {
    return this.queued + records <= this.maxQueuedRecords;
  }

  /** Records handed to a send that are not yet in a request. */
  queuedRecords(): number {
    return this.queued;
  }

  /** How long the request in flight has been waiting for the broker, in ms (0 when none is). */
  inFlightForMs(): number {
    return this.requestSince === null ? 0 : performance.now() - this.requestSince;
  }

  /** Calls `listener` once per produce request with its outcome and duration. */
  onRequest(listener: RequestListener): void {
    this.requestListeners.push(listener);
  }

  /** Starts a producer span under the active context and injects it; call inside the work's context. */
  prepare(record: OutgoingRecord): PreparedRecord {
    const headers = { ...record.headers };
    const span = startProducerSpan(record.topic, headers, this.server);
    return { record: { ...record, headers }, span };
  }

  /** Sends records under the active trace context and resolves once the broker acknowledged all. */
  async send(records: OutgoingRecord[]): Promise<void> {
    await this.sendPrepared(records.map((record) => this.prepare(record)));
  }

  /**
   * Sends prepared records and resolves once the broker acknowledged all; rejects if any was not.
   *
   * Group commit: while a request is in flight (the idempotent producer allows one per broker
   * anyway), sends that arrive meanwhile wait in a queue and go out together in the next
   * request, in arrival order, so records of one key keep their order. Each caller still
   * resolves only when its own records are acknowledged; a failed request fails every send in it.
   *
   * A request holds whole sends up to `maxRequestBytes`; a send larger than that alone goes out
   * as several requests (one after the other), so no partition's record batch can exceed the
   * broker's message.max.bytes — a consumer that turns one fetched batch into bigger records
   * (enrichment) would otherwise be refused with MESSAGE_TOO_LARGE for ever.
   */
  async sendPrepared(prepared: readonly PreparedRecord[], options: SendOptions = {}): Promise<void> {
    if (prepared.length === 0) return;
    const sending = this.enqueue(prepared, options.signal);
    this.inFlight.add(sending);
    try {
      await sending;
      for (const { span } of prepared) endProducerSpan(span);
    } catch (error) {
      for (const { span } of prepared) endProducerSpan(span, error);
      throw error;
    } finally {
      this.inFlight.delete(sending);
    }
  }

  private enqueue(prepared: readonly PreparedRecord[], signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const withdraw = (): void => {
        const index = this.queue.indexOf(send);
        if (index < 0) return; // already in a request: it will settle with the request
        this.queue.splice(index, 1);
        this.queued -= prepared.length;
        reject(signal?.reason);
      };
      const send: QueuedSend = {
        prepared,
        bytes: requestBytes(prepared.map(({ record }) => record)) - RECORD_BATCH_OVERHEAD,
        resolve: () => {
          signal?.removeEventListener('abort', withdraw);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', withdraw);
          reject(error);
        },
      };
      signal?.addEventListener('abort', withdraw, { once: true });
      this.queue.push(send);
      this.queued += prepared.length;
      this.draining ??= this.drain();
    });
  }

  /** The sends of the next request: whole sends up to `maxRequestBytes`, at least one. */
  private nextRequest(): QueuedSend[] {
    let bytes = RECORD_BATCH_OVERHEAD;
    let count = 0;
    for (const send of this.queue) {
      if (count > 0 && bytes + send.bytes > this.maxRequestBytes) break;
      bytes += send.bytes;
      count += 1;
    }
    const sends = this.queue.splice(0, count);
    for (const send of sends) this.queued -= send.prepared.length;
    return sends;
  }

  /** Sends what is queued, request after request, until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const sends = this.nextRequest();
        const records =
          sends.length === 1 ? (sends[0] as QueuedSend).prepared : sends.flatMap((send) => send.prepared);
        try {
          for (const chunk of chunksOf(records, this.maxRequestBytes)) await this.sendRequest(chunk);
          for (const send of sends) send.resolve();
        } catch (error) {
          for (const send of sends) send.reject(error);
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private async sendRequest(prepared: readonly PreparedRecord[]): Promise<void> {
    const topicMessages = groupByTopic(prepared.map(({ record }) => record));
    const since = performance.now();
    this.requestSince = since;
    try {
      if (this.identitySuspect) await this.renewIdentity();
      await this.producer.sendBatch({ topicMessages, acks: -1, compression: this.compression });
    } catch (error) {
      this.identitySuspect = true;
      for (const { topic } of topicMessages) this.metrics?.produceErrors.inc({ topic });
      this.requestDone('failed', since);
      throw error;
    }
    for (const { topic, messages } of topicMessages) this.metrics?.produced.inc({ topic }, messages.length);
    this.requestDone('acknowledged', since);
  }

  private requestDone(outcome: 'acknowledged' | 'failed', since: number): void {
    this.requestSince = null;
    const seconds = (performance.now() - since) / 1000;
    for (const listener of this.requestListeners) listener(outcome, seconds);
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

/** How long a transaction of `sendAtomically` may stay open before Kafka aborts it (kafkajs' default). */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * How long past its timeout a transaction whose commit got no clear answer is watched for its
 * end: Kafka looks for timed-out transactions every 10 s by default
 * (`transaction.abort.timed.out.transaction.cleanup.interval.ms`).
 */
const OUTCOME_WAIT_PAST_TIMEOUT_MS = 30_000;

export interface AtomicSendOptions {
  /** Default DEFAULT_TRANSACTION_TIMEOUT_MS; at most the broker's `transaction.max.timeout.ms`. */
  transactionTimeoutMs?: number;
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
 *
 * A commit that gets no clear answer (a coordinator busy fencing the id answers with a server
 * error, or a connection drops) is settled from the log: it resolves if the transaction
 * committed, fails with `TransactionFencedError` if Kafka aborted it before its timeout (only a
 * writer claiming the id does that) or `TransactionAbortedError` after it, and with
 * `TransactionOutcomeUnknownError` if the transaction has not ended well past its timeout.
 * Resolves to the number of records sent.
 */
export async function sendAtomically(
  kafka: Kafka,
  transactionalId: string,
  records: readonly OutgoingRecord[] | (() => Promise<readonly OutgoingRecord[]>),
  options: AtomicSendOptions = {},
): Promise<number> {
  if (Array.isArray(records) && records.length === 0) return 0;
  const transactionTimeoutMs = options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  const producer = kafka.producer({
    transactionalId,
    transactionTimeout: transactionTimeoutMs,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    let composed: readonly OutgoingRecord[];
    let written: RecordMetadata[] = [];
    // Taken before the first write, where the coordinator starts the transaction's clock.
    let openedAt = 0;
    try {
      composed = typeof records === 'function' ? await records() : records;
      openedAt = performance.now();
      if (composed.length > 0)
        written = await transaction.sendBatch({ acks: -1, topicMessages: groupByTopic(composed) });
    } catch (error) {
      // Never committed, so nothing was written; the abort only ends the transaction early.
      const aborted = await transaction.abort().then(
        () => undefined,
        (abortError: unknown) => abortError,
      );
      throw isProducerFenced(error) || isProducerFenced(aborted)
        ? new TransactionFencedError(transactionalId, { cause: error })
        : error;
    }
    try {
      await transaction.commit();
    } catch (error) {
      if (isProducerFenced(error)) throw new TransactionFencedError(transactionalId, { cause: error });
      const write = written.find((metadata) => metadata.baseOffset !== undefined);
      if (write === undefined) throw error;
      const outcome = await withAdmin(kafka, (admin) =>
        readTransactionOutcome(
          admin,
          { topic: write.topicName, partition: write.partition, offset: write.baseOffset as string },
          { waitMs: transactionTimeoutMs + OUTCOME_WAIT_PAST_TIMEOUT_MS },
        ),
      );
      const failure = commitFailure(outcome, {
        transactionalId,
        openForMs: performance.now() - openedAt,
        transactionTimeoutMs,
        cause: error,
      });
      if (failure !== undefined) throw failure;
    }
    return composed.length;
  } finally {
    await producer.disconnect();
  }
}

async function withAdmin<T>(kafka: Kafka, use: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = await KafkaAdmin.connect(kafka);
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}
