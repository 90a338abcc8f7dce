import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaModule } from '@pulse/kafka';
import { AlertLog } from './alerts/alert-log';
import { AlertsController } from './alerts/alerts.controller';
import { REPORTING_CONFIG, type ReportingConfig } from './config';
import { INFLUX_QUERY, InfluxQueryClient } from './influx/influx-query-client';
import { ReportsController } from './reports/reports.controller';
import { ReportsService } from './reports/reports-service';

export const SERVICE_NAME = 'reporting';

@Module({})
export class AppModule {
  static forRoot(config: ReportingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [KafkaModule.forService(SERVICE_NAME, config)],
      controllers: [ReportsController, AlertsController],
      providers: [
        { provide: REPORTING_CONFIG, useValue: config },
        {
          provide: INFLUX_QUERY,
          useFactory: () =>
            new InfluxQueryClient({
              url: config.PULSE_INFLUX_URL,
              database: config.PULSE_INFLUX_DATABASE,
              token: config.PULSE_INFLUX_READ_TOKEN,
              timeoutMs: config.PULSE_INFLUX_QUERY_TIMEOUT,
            }),
        },
        ReportsService,
        AlertLog,
      ],
    };
  }
}
