import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaModule, KafkaRuntime } from '@pulse/kafka';
import type { IngestionConfig } from './config';
import { IngestionModule } from './ingestion.module';
import { IngestionMetrics } from './metrics/ingestion-metrics';
import { KafkaRawEventPublisher } from './publishing/kafka-raw-event-publisher';
import { RawEventPublisher } from './publishing/raw-event-publisher';

export const SERVICE_NAME = 'ingestion';

@Module({})
export class AppModule {
  static forRoot(config: IngestionConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KafkaModule.forService(SERVICE_NAME, config, {
          producer: { maxQueuedRecords: config.PULSE_PUBLISH_MAX_QUEUED_EVENTS },
        }),
        IngestionModule.forRoot(config, {
          provide: RawEventPublisher,
          inject: [KafkaRuntime, IngestionMetrics],
          useFactory: (runtime: KafkaRuntime, metrics: IngestionMetrics) =>
            new KafkaRawEventPublisher(
              runtime.producer,
              { topic: runtime.topics.eventsRaw, timeoutMs: config.PULSE_PUBLISH_TIMEOUT },
              metrics,
            ),
        }),
      ],
    };
  }
}
