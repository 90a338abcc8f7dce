import type { Provider } from '@nestjs/common';
import { LOGGER, type Logger } from '@pulse/observability';
import { ALERT_CONFIG } from '../alert-config.token';
import type { AlertConfig } from '../config';
import { SilenceStore } from '../manage-silences/silence-store';
import { AlertMetrics } from '../metrics/alert-metrics';
import { NatsConnector, natsServersOf } from './nats-connection';
import { NatsNotifier } from './nats-notifier';

/**
 * Publishing on NATS: the connector (always there, for its readiness detail and shutdown) and
 * the NATS consumer's handler, which exists only when PULSE_NATS_URL names servers.
 */
export function natsProviders(config: AlertConfig): Provider[] {
  const connector: Provider = {
    provide: NatsConnector,
    inject: [ALERT_CONFIG, LOGGER],
    useFactory: (c: AlertConfig, logger: Logger) =>
      new NatsConnector(natsServersOf(c.PULSE_NATS_URL), logger.child({ component: 'nats' }), 'pulse-alert'),
  };
  if (natsServersOf(config.PULSE_NATS_URL).length === 0) return [connector];
  return [
    connector,
    {
      provide: NatsNotifier,
      inject: [ALERT_CONFIG, NatsConnector, SilenceStore, AlertMetrics],
      useFactory: (c: AlertConfig, nats: NatsConnector, silences: SilenceStore, metrics: AlertMetrics) =>
        new NatsNotifier(nats, silences, metrics, c.PULSE_NATS_TIMEOUT),
    },
  ];
}
