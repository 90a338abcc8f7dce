import type { Provider } from '@nestjs/common';
import { KafkaRuntime } from '@pulse/kafka';
import { LOGGER, type Logger } from '@pulse/observability';
import { ALERT_CONFIG } from '../alert-config.token';
import type { AlertConfig } from '../config';
import { linksFor } from '../lifecycle/links';
import { AlertMetrics } from '../metrics/alert-metrics';
import { RuleBook } from '../rules/rule-book';
import { AlertStateStore } from '../state/alert-state-store';
import { committedOffsetReader } from './committed-offsets';
import { Evaluator } from './evaluator';

/** The evaluator consumer's handler: forwards signals, evaluates events and series. */
export const evaluationProviders: Provider[] = [
  {
    provide: Evaluator,
    inject: [ALERT_CONFIG, KafkaRuntime, RuleBook, AlertStateStore, AlertMetrics, LOGGER],
    useFactory: (
      config: AlertConfig,
      kafka: KafkaRuntime,
      rules: RuleBook,
      alerts: AlertStateStore,
      metrics: AlertMetrics,
      logger: Logger,
    ) =>
      new Evaluator({
        topics: kafka.topics,
        rules,
        store: alerts,
        producer: kafka.producer,
        committed: committedOffsetReader(kafka.kafka, config.PULSE_CONSUMER_GROUP),
        logger: logger.child({ component: 'evaluator' }),
        metrics,
        settings: {
          defaultRepeatIntervalMs: config.PULSE_ALERT_REPEAT_INTERVAL,
          fenceTimeoutMs: config.PULSE_ALERT_STATE_LOAD_TIMEOUT,
          evaluationIntervalMs: config.PULSE_ALERT_EVALUATION_INTERVAL,
          maxFiringPerRule: config.PULSE_ALERT_MAX_FIRING_PER_RULE,
          links: (subject) =>
            linksFor(
              {
                grafanaUrl: config.PULSE_GRAFANA_URL,
                dashboardPath: config.PULSE_GRAFANA_DASHBOARD_PATH,
                reportingUrl: config.PULSE_REPORTING_URL,
              },
              subject,
            ),
        },
      }),
  },
];
