import { Module, type DynamicModule } from '@nestjs/common';
import { ContractViolation } from '@pulse/contracts';
import { KafkaModule } from '@pulse/kafka';
import { AGGREGATION_CONFIG, type AggregationConfig } from './config';
import { AggregationWorker } from './aggregation.worker';
import { createInfluxWriter } from './influx/create-writer';
import { INFLUX_WRITER } from './influx/influx-writer';

export const SERVICE_NAME = 'aggregation';

@Module({})
export class AppModule {
  static forRoot(config: AggregationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KafkaModule.forService(SERVICE_NAME, config, {
          // Bytes that break the contract never will decode: dead-letter them at once.
          poisonErrors: [ContractViolation],
        }),
      ],
      providers: [
        { provide: AGGREGATION_CONFIG, useValue: config },
        { provide: INFLUX_WRITER, useFactory: () => createInfluxWriter(config) },
        AggregationWorker,
      ],
    };
  }
}
