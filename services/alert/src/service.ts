import type { RunServiceOptions } from '@pulse/observability';
import { AppModule, SERVICE_NAME } from './app.module';
import type { AlertConfig } from './config';

/** Everything runService needs for the alert service; main.ts and the integration tests share it. */
export function alertServiceOptions(config: AlertConfig): RunServiceOptions {
  return {
    serviceName: SERVICE_NAME,
    module: AppModule.forRoot(config),
    settings: config,
    bodyLimit: 65_536,
    openApi: {
      title: 'Pulse alert',
      description:
        'Alert rules over events and windows, Alertmanager-style lifecycle, Slack and NATS notifications. ' +
        'Silences mute Slack notifications of matching alerts; rules come from the rules file (hot-reloaded).',
    },
  };
}
