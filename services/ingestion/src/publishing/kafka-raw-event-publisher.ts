import { eventHeaders, partitionKeyOf } from '@pulse/contracts';
import type { OutgoingRecord, PulseProducer } from '@pulse/kafka';
import type { EncodedEvent } from '../events/prepare-event';
import type { IngestionMetrics } from '../metrics/ingestion-metrics';
import { PublishUnavailableError, RawEventPublisher } from './raw-event-publisher';

export type RecordProducer = Pick<
  PulseProducer,
  'prepare' | 'sendPrepared' | 'isConnected' | 'hasRoomFor' | 'queuedRecords' | 'inFlightForMs' | 'onRequest'
>;

export interface PublisherOptions {
  topic: string;
  /** How long a request waits for the acknowledgement of its events. */
  timeoutMs: number;
}

/** Seconds a client should wait: short when we are merely busy, longer when Kafka is away. */
const RETRY_AFTER_BUSY = 1;
const RETRY_AFTER_DOWN = 5;

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
 * HTTP requests onto the shared producer, whose group commit sends the events of the requests
 * that arrive while one Kafka request is in flight together in the next one. Each HTTP request
 * resolves only when its own events are acknowledged (acks=all, idempotent).
 *
 * Refuses at once (503) when the producer is disconnected, when its queue has no room
 * (`maxQueuedRecords`, PULSE_PUBLISH_MAX_QUEUED_EVENTS), or when the request in flight has been
 * waiting longer than the timeout — Kafka is then evidently not acknowledging, and piling up more
 * requests would only make every client wait for the timeout. A request that times out while its
 * events still wait in the queue withdraws them, so they are surely not written.
 */
export class KafkaRawEventPublisher extends RawEventPublisher {
  constructor(
    private readonly producer: RecordProducer,
    private readonly options: PublisherOptions,
    private readonly metrics?: IngestionMetrics,
  ) {
    super();
    if (metrics) producer.onRequest((outcome, seconds) => metrics.sendDuration.observe({ outcome }, seconds));
  }

  async publish(events: readonly EncodedEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.assertCanAccept(events.length);
    // Prepared here, inside the HTTP request's trace context, so each record's producer span
    // is a child of the request that brought it.
    const prepared = events.map((event) => this.producer.prepare(rawRecordOf(this.options.topic, event)));
    const withdraw = new AbortController();
    const sending = this.producer
      .sendPrepared(prepared, { signal: withdraw.signal })
      .catch((error: unknown) => {
        if (error === withdraw.signal.reason) throw error;
        throw new PublishUnavailableError(
          `Kafka did not accept the events: ${(error as Error).message}`,
          RETRY_AFTER_DOWN,
          { cause: error },
        );
      });
    this.reportQueue();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new PublishUnavailableError(
          `Kafka did not acknowledge the events within ${this.options.timeoutMs} ms`,
          RETRY_AFTER_DOWN,
        );
        withdraw.abort(error);
        reject(error);
      }, this.options.timeoutMs);
    });
    try {
      await Promise.race([sending, timeout]);
    } finally {
      clearTimeout(timer);
      this.reportQueue();
    }
  }

  private assertCanAccept(count: number): void {
    if (!this.producer.isConnected()) {
      throw new PublishUnavailableError('not connected to Kafka', RETRY_AFTER_DOWN);
    }
    if (this.producer.inFlightForMs() > this.options.timeoutMs) {
      throw new PublishUnavailableError('Kafka is not acknowledging writes', RETRY_AFTER_DOWN);
    }
    if (!this.producer.hasRoomFor(count)) {
      throw new PublishUnavailableError('too many events are waiting for Kafka', RETRY_AFTER_BUSY);
    }
  }

  /** The producer's queue changes when a send joins it and when a request takes sends from it. */
  private reportQueue(): void {
    this.metrics?.queuedEvents.set(this.producer.queuedRecords());
  }
}
