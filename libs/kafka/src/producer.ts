import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { CompressionTypes, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import type { KafkaMetrics } from './kafka-metrics';
import type { OutgoingRecord } from './message';
import { startProducerSpan } from './trace-context';

export type Compression = 'gzip' | 'none';

export interface ProducerOptions {
  compression?: Compression;
  /** Requests in flight at once before `isSaturated()` says so (ingestion answers 503 then). */
  maxPendingSends?: number;
}

/** A record whose trace context is already in its headers, with the span to end on acknowledgement. */
export interface PreparedRecord {
  readonly record: OutgoingRecord;
  readonly span: Span;
}

/**
 * The one producer every service uses: idempotent, acks=all, one request in flight per broker
 * connection (kafkajs requires it for idempotence, #598), trace context in every record.
 */
export class PulseProducer {
  private readonly producer: Producer;
  private readonly compression: CompressionTypes;
  private readonly maxPendingSends: number;
  private pending = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly metrics?: KafkaMetrics,
    options: ProducerOptions = {},
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.compression = options.compression === 'none' ? CompressionTypes.None : CompressionTypes.GZIP;
    this.maxPendingSends = options.maxPendingSends ?? 64;
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
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

  /** Sends prepared records in one request per topic batch; rejects if any was not acknowledged. */
  async sendPrepared(prepared: readonly PreparedRecord[]): Promise<void> {
    if (prepared.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { record } of prepared) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push({
        key: record.key,
        value: record.value,
        headers: record.headers,
        ...(record.timestamp === undefined ? {} : { timestamp: String(record.timestamp) }),
      });
      byTopic.set(record.topic, messages);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    this.pending += 1;
    const sending = this.producer.sendBatch({ topicMessages, acks: -1, compression: this.compression });
    this.inFlight.add(sending);
    try {
      await sending;
      for (const { topic, messages } of topicMessages) this.metrics?.produced.inc({ topic }, messages.length);
      for (const { span } of prepared) span.end();
    } catch (error) {
      for (const { topic } of topicMessages) this.metrics?.produceErrors.inc({ topic });
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
