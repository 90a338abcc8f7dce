import { Module, type DynamicModule } from '@nestjs/common';
import { ContractViolation } from '@pulse/contracts';
import { KafkaModule, KafkaRuntime } from '@pulse/kafka';
import { LOGGER, type Logger } from '@pulse/observability';
import { Registry } from 'prom-client';
import { ALERT_CONFIG } from './alert-config.token';
import { AlertWorker } from './alert.worker';
import { AlertsController } from './api/alerts.controller';
import { RulesController } from './api/rules.controller';
import { SilencesController } from './api/silences.controller';
import type { AlertConfig } from './config';
import { natsProviders } from './deliver-to-nats/nats.providers';
import { slackProviders } from './deliver-to-slack/slack.providers';
import { evaluationProviders } from './evaluation/evaluation.providers';
import { SilenceStore } from './manage-silences/silence-store';
import { AlertMetrics } from './metrics/alert-metrics';
import { RuleBook } from './rules/rule-book';
import { AlertStateStore } from './state/alert-state-store';
import { DeliveryLog } from './state/delivery-log';
import { RetentionSweep } from './state/retention-sweep';

export const SERVICE_NAME = 'alert';

/** The consumer group that reads the tables (every instance reads them whole). */
function tablesGroup(config: AlertConfig): string {
  return `${config.PULSE_CONSUMER_GROUP}-tables`;
}

@Module({})
export class AppModule {
  static forRoot(config: AlertConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KafkaModule.forService(SERVICE_NAME, config, {
          // Bytes that break the contract never will decode: dead-letter them at once.
          poisonErrors: [ContractViolation],
        }),
      ],
      controllers: [SilencesController, RulesController, AlertsController],
      providers: [
        { provide: ALERT_CONFIG, useValue: config },
        {
          provide: AlertMetrics,
          inject: [Registry],
          useFactory: (registry: Registry) => new AlertMetrics(registry),
        },
        {
          provide: RuleBook,
          inject: [ALERT_CONFIG, LOGGER, AlertMetrics],
          useFactory: (c: AlertConfig, logger: Logger, metrics: AlertMetrics) =>
            new RuleBook(c.PULSE_ALERT_RULES_FILE, logger.child({ component: 'rules' }), metrics),
        },
        {
          provide: AlertStateStore,
          inject: [ALERT_CONFIG, KafkaRuntime, LOGGER],
          useFactory: (c: AlertConfig, kafka: KafkaRuntime, logger: Logger) =>
            new AlertStateStore(
              kafka.kafka,
              kafka.topics.alerts,
              tablesGroup(c),
              logger.child({ component: 'alerts-table' }),
              { retentionMs: c.PULSE_ALERT_RESOLVED_RETENTION },
            ),
        },
        {
          provide: SilenceStore,
          inject: [ALERT_CONFIG, KafkaRuntime, LOGGER, AlertMetrics],
          useFactory: (c: AlertConfig, kafka: KafkaRuntime, logger: Logger, metrics: AlertMetrics) =>
            new SilenceStore(
              kafka.kafka,
              kafka.topics.alertSilences,
              tablesGroup(c),
              kafka.producer,
              logger.child({ component: 'silences' }),
              { retentionMs: c.PULSE_ALERT_SILENCE_RETENTION, metrics },
            ),
        },
        {
          provide: DeliveryLog,
          inject: [ALERT_CONFIG, KafkaRuntime, LOGGER],
          useFactory: (c: AlertConfig, kafka: KafkaRuntime, logger: Logger) =>
            new DeliveryLog(
              kafka.kafka,
              kafka.topics.alertDeliveries,
              tablesGroup(c),
              kafka.producer,
              logger.child({ component: 'deliveries' }),
              { retentionMs: c.PULSE_ALERT_RESOLVED_RETENTION },
            ),
        },
        {
          provide: RetentionSweep,
          inject: [AlertStateStore, DeliveryLog, AlertMetrics, LOGGER],
          useFactory: (
            alerts: AlertStateStore,
            deliveries: DeliveryLog,
            metrics: AlertMetrics,
            logger: Logger,
          ) => new RetentionSweep(alerts, deliveries, metrics, logger),
        },
        ...evaluationProviders,
        ...slackProviders(config),
        ...natsProviders(config),
        AlertWorker,
      ],
    };
  }
}
