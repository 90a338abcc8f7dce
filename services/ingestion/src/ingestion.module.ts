import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { IngestionConfig } from './config';
import { EventIngestor } from './events/event-ingestor';
import { EventsController } from './events/events.controller';
import { INGESTION_CONFIG } from './ingestion-config.token';
import { IngestionMetrics } from './metrics/ingestion-metrics';
import type { RawEventPublisher } from './publishing/raw-event-publisher';
import { EventRateLimiter } from './rate-limit/event-rate-limiter';

/**
 * The HTTP API and its use case. The publisher is a parameter: Kafka in the service, a fake in
 * tests of the HTTP surface.
 */
@Module({})
export class IngestionModule {
  static forRoot(config: IngestionConfig, publisher: Provider<RawEventPublisher>): DynamicModule {
    return {
      module: IngestionModule,
      controllers: [EventsController],
      providers: [
        { provide: INGESTION_CONFIG, useValue: config },
        {
          provide: EventRateLimiter,
          useFactory: () =>
            new EventRateLimiter({
              perSecond: config.PULSE_RATE_LIMIT_PER_SECOND,
              burst: config.PULSE_RATE_LIMIT_BURST,
            }),
        },
        IngestionMetrics,
        EventIngestor,
        publisher,
      ],
    };
  }
}
