import { Module, type DynamicModule } from '@nestjs/common';
import { ContractViolation } from '@pulse/contracts';
import { KafkaModule, KafkaRuntime, kafkaConnectionFromEnv } from '@pulse/kafka';
import { LOGGER, type Logger } from '@pulse/observability';
import { Registry } from 'prom-client';
import { ALERT_CONFIG, AlertRuntime, natsServersOf } from './alert-runtime';
import { AlertsController } from './api/alerts.controller';
import { RulesController } from './api/rules.controller';
import { SilencesController } from './api/silences.controller';
import type { AlertConfig } from './config';
import { AlertMetrics } from './metrics/alert-metrics';
import { DeliveryLog } from './notifier/delivery-log';
import { NatsConnector } from './notifier/nats/nats-connection';
import { RuleBook } from './rules/rule-book';
import { SilenceStore } from './silences/silence-store';
import { AlertStateStore } from './state/alert-state-store';

export const SERVICE_NAME = 'alert';

@Module({})
export class AppModule {
  static forRoot(config: AlertConfig): DynamicModule {
    const tablesGroup = `${config.PULSE_CONSUMER_GROUP}-tables`;
    return {
      module: AppModule,
      imports: [
        KafkaModule.forRoot({
          connection: kafkaConnectionFromEnv(config, SERVICE_NAME),
          topicPrefix: config.PULSE_TOPIC_PREFIX,
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
          inject: [LOGGER, AlertMetrics],
          useFactory: (logger: Logger, metrics: AlertMetrics) =>
            new RuleBook(config.PULSE_ALERT_RULES_FILE, logger.child({ component: 'rules' }), metrics),
        },
        {
          provide: AlertStateStore,
          inject: [KafkaRuntime, LOGGER],
          useFactory: (kafka: KafkaRuntime, logger: Logger) =>
            new AlertStateStore(
              kafka.kafka,
              kafka.topics.alerts,
              tablesGroup,
              logger.child({ component: 'alerts-table' }),
              { retentionMs: config.PULSE_ALERT_RESOLVED_RETENTION },
            ),
        },
        {
          provide: SilenceStore,
          inject: [KafkaRuntime, LOGGER, AlertMetrics],
          useFactory: (kafka: KafkaRuntime, logger: Logger, metrics: AlertMetrics) =>
            new SilenceStore(
              kafka.kafka,
              kafka.topics.alertSilences,
              tablesGroup,
              kafka.producer,
              logger.child({ component: 'silences' }),
              { retentionMs: config.PULSE_ALERT_SILENCE_RETENTION, metrics },
            ),
        },
        {
          provide: DeliveryLog,
          inject: [KafkaRuntime, LOGGER],
          useFactory: (kafka: KafkaRuntime, logger: Logger) =>
            new DeliveryLog(
              kafka.kafka,
              kafka.topics.alertDeliveries,
              tablesGroup,
              kafka.producer,
              logger.child({ component: 'deliveries' }),
              { retentionMs: config.PULSE_ALERT_RESOLVED_RETENTION },
            ),
        },
        {
          provide: NatsConnector,
          inject: [LOGGER],
          useFactory: (logger: Logger) =>
            new NatsConnector(
              natsServersOf(config.PULSE_NATS_URL),
              logger.child({ component: 'nats' }),
              'pulse-alert',
            ),
        },
        AlertRuntime,
      ],
    };
  }
}
