import { eventHeaders, partitionKeyOf } from '@pulse/contracts';
import type { OutgoingRecord, PreparedRecord, PulseProducer } from '@pulse/kafka';
import type { EncodedEvent } from '../events/prepare-event';
import type { IngestionMetrics } from '../metrics/ingestion-metrics';
import { PublishUnavailableError, RawEventPublisher } from './raw-event-publisher';

export type RecordProducer = Pick<PulseProducer, 'prepare' | 'sendPrepared' | 'isConnected' | 'isSaturated'>;

export interface PublisherOptions {
  topic: string;
  /** How long a request waits for the acknowledgement of its events. */
  timeoutMs: number;
  /** Events waiting for Kafka at most; a request that would exceed it is refused at once. */
  maxQueuedEvents: number;
  /**
   * Bytes per Kafka request at most (requests from many HTTP calls are merged up to this), so no
   * partition's record batch can reach the broker's message.max.bytes (1 MiB by default).
   */
  maxBytesPerSend?: number;
}

/** Seconds a client should wait: short when we are merely busy, longer when Kafka is away. */
const RETRY_AFTER_BUSY = 1;
const RETRY_AFTER_DOWN = 5;

interface Waiter {
  readonly prepared: PreparedRecord[];
  readonly bytes: number;
  state: 'queued' | 'sending' | 'settled';
  settle(error?: Error): void;
}

export function rawRecordOf(topic: string, { event, value }: EncodedEvent): OutgoingRecord {
  return {
    topic,
    key: partitionKeyOf(event),
    value,
    headers: eventHeaders(event),
    timestamp: Date.parse(event.time),
  };
}

/**
 * Group commit for HTTP requests: while one Kafka request is in flight (the idempotent producer
 * allows one per broker anyway), the events of the requests that arrive meanwhile are queued and
 * then sent together in the next Kafka request. Each HTTP request still resolves only when its own
 * events are acknowledged, and many small requests cost one round trip instead of one each.
 *
 * Refuses at once (503) when the producer is disconnected, when the queue is full, or when the
 * request in flight has been waiting longer than the timeout — Kafka is then evidently not
 * acknowledging, and piling up more requests would only make every client wait for the timeout.
 */
export class KafkaRawEventPublisher extends RawEventPublisher {
  private readonly queue: Waiter[] = [];
  private queuedEvents = 0;
  private inFlightSince: number | null = null;
  private readonly maxBytesPerSend: number;

  constructor(
    private readonly producer: RecordProducer,
    private readonly options: PublisherOptions,
    private readonly metrics?: IngestionMetrics,
  ) {
    super();
    this.maxBytesPerSend = options.maxBytesPerSend ?? 1_048_576;
  }

  async publish(events: readonly EncodedEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.assertCanAccept(events.length);
    // Prepared here, inside the HTTP request's trace context, so each record's producer span
    // is a child of the request that brought it.
    const prepared = events.map((event) => this.producer.prepare(rawRecordOf(this.options.topic, event)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (waiter.state === 'queued') this.dequeue(waiter);
        waiter.settle(
          new PublishUnavailableError(
            `Kafka did not acknowledge the events within ${this.options.timeoutMs} ms`,
            RETRY_AFTER_DOWN,
          ),
        );
      }, this.options.timeoutMs);
      const waiter: Waiter = {
        prepared,
        bytes: events.reduce((sum, { value }) => sum + value.length, 0),
        state: 'queued',
        settle: (error) => {
          if (waiter.state === 'settled') return;
          waiter.state = 'settled';
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        },
      };
      this.queue.push(waiter);
      this.queuedEvents += prepared.length;
      this.metrics?.queuedEvents.set(this.queuedEvents);
      this.sendNext();
    });
  }

  private assertCanAccept(count: number): void {
    if (!this.producer.isConnected()) {
      throw new PublishUnavailableError('not connected to Kafka', RETRY_AFTER_DOWN);
    }
    if (this.inFlightSince !== null && Date.now() - this.inFlightSince > this.options.timeoutMs) {
      throw new PublishUnavailableError('Kafka is not acknowledging writes', RETRY_AFTER_DOWN);
    }
    if (this.queuedEvents + count > this.options.maxQueuedEvents || this.producer.isSaturated()) {
      throw new PublishUnavailableError('too many events are waiting for Kafka', RETRY_AFTER_BUSY);
    }
  }

  /** Removes a request that timed out before it was sent: its events are then surely not written. */
  private dequeue(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.queuedEvents -= waiter.prepared.length;
    this.metrics?.queuedEvents.set(this.queuedEvents);
    for (const { span } of waiter.prepared) span.end();
  }

  private sendNext(): void {
    if (this.inFlightSince !== null || this.queue.length === 0) return;
    const batch: Waiter[] = [];
    let count = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Waiter;
      if (batch.length > 0 && bytes + next.bytes > this.maxBytesPerSend) break;
      this.queue.shift();
      next.state = 'sending';
      batch.push(next);
      count += next.prepared.length;
      bytes += next.bytes;
    }
    this.queuedEvents -= count;
    this.metrics?.queuedEvents.set(this.queuedEvents);
    this.inFlightSince = Date.now();
    const endTimer = this.metrics?.sendDuration.startTimer();
    void this.producer
      .sendPrepared(batch.flatMap((waiter) => waiter.prepared))
      .then(
        () => {
          endTimer?.({ outcome: 'acknowledged' });
          for (const waiter of batch) waiter.settle();
        },
        (error: unknown) => {
          endTimer?.({ outcome: 'failed' });
          const failure = new PublishUnavailableError(
            `Kafka did not accept the events: ${(error as Error).message}`,
            RETRY_AFTER_DOWN,
            { cause: error },
          );
          for (const waiter of batch) waiter.settle(failure);
        },
      )
      .finally(() => {
        this.inFlightSince = null;
        this.sendNext();
      });
  }
}
