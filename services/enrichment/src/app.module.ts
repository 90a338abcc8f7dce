import { Module, type DynamicModule } from '@nestjs/common';
import { ContractViolation } from '@pulse/contracts';
import { KafkaModule } from '@pulse/kafka';
import type { EnrichmentConfig } from './config';
import { ENRICHMENT_CONFIG } from './enrichment-config.token';
import { EnrichmentWorker } from './enrichment.worker';
import { EnrichmentMetrics } from './metrics/enrichment-metrics';
import { ReferenceTables } from './reference/reference-tables';

export const SERVICE_NAME = 'enrichment';

@Module({})
export class AppModule {
  static forRoot(config: EnrichmentConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KafkaModule.forService(SERVICE_NAME, config, {
          // Bytes that break the contract never will decode: dead-letter them at once.
          poisonErrors: [ContractViolation],
        }),
      ],
      providers: [
        { provide: ENRICHMENT_CONFIG, useValue: config },
        EnrichmentMetrics,
        ReferenceTables,
        EnrichmentWorker,
      ],
    };
  }
}
