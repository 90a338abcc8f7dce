import {
  decodePulseEvent,
  encodeEvent,
  eventHeaders,
  partitionKeyOf,
  type PulseEvent,
} from '@pulse/contracts';
import {
  PoisonMessageError,
  type ConsumedMessage,
  type MessageHandler,
  type OutgoingRecord,
} from '@pulse/kafka';
import type { EnrichmentMetrics } from '../metrics/enrichment-metrics';
import type { Enricher } from './enricher';

/**
 * Kafka refuses record timestamps more than an hour ahead of its clock
 * (log.message.timestamp.after.max.ms, 1h by default); such an event could never be written
 * to events.enriched, and retrying would block its partition. Ingestion refuses them earlier;
 * this catches events that reached events.raw some other way.
 */
export const MAX_FUTURE_MS = 55 * 60_000;

/** events.raw → events.enriched: one record out per record in, same key, timestamp = event time. */
export class EnrichmentHandler implements MessageHandler {
  constructor(
    private readonly enricher: Enricher,
    private readonly outputTopic: string,
    private readonly metrics?: EnrichmentMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  handle(message: ConsumedMessage): OutgoingRecord[] {
    // Bytes that are not a valid event throw ContractViolation: poison, the runner dead-letters it.
    const event: PulseEvent = decodePulseEvent(message.value);
    const eventTimeMs = Date.parse(event.time);
    const now = this.now();
    if (eventTimeMs > now + MAX_FUTURE_MS || eventTimeMs < 0) {
      throw new PoisonMessageError(
        `event time ${event.time} is outside what Kafka accepts as a record timestamp ` +
          `(not before 1970, at most ${MAX_FUTURE_MS / 60_000} minutes ahead)`,
        'EventTimeOutOfRange',
      );
    }
    const enriched = this.enricher.enrich(event, eventTimeMs, now);
    this.metrics?.record(enriched.enrichment);
    return [
      {
        topic: this.outputTopic,
        key: partitionKeyOf(event),
        value: encodeEvent(enriched),
        headers: eventHeaders(event),
        timestamp: eventTimeMs,
      },
    ];
  }
}
