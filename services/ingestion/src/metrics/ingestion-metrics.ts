import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What happened to submitted events: written, invalid, refused by the rate limit, or Kafka away. */
export type EventOutcome = 'accepted' | 'rejected' | 'rate_limited' | 'unavailable';

@Injectable()
export class IngestionMetrics {
  readonly events: Counter<'outcome'>;
  readonly queuedEvents: Gauge;
  readonly sendDuration: Histogram<'outcome'>;

  constructor(@Inject(Registry) registry: Registry) {
    this.events = new Counter({
      name: 'pulse_ingestion_events_total',
      help: 'Events submitted over HTTP, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.queuedEvents = new Gauge({
      name: 'pulse_ingestion_publish_queue_events',
      help: 'Accepted events waiting to be sent to Kafka',
      registers: [registry],
    });
    this.sendDuration = new Histogram({
      name: 'pulse_ingestion_publish_duration_seconds',
      help: 'Time from sending a group of events to Kafka until it acknowledged them',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  count(outcome: EventOutcome, events: number): void {
    if (events > 0) this.events.inc({ outcome }, events);
  }
}
