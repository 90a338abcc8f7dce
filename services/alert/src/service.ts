import type { RunServiceOptions } from '@pulse/observability';
import { installAlertApiAuth } from './api/api-auth';
import { AppModule, SERVICE_NAME } from './app.module';
import type { AlertConfig } from './config';

/** Everything runService needs for the alert service; main.ts and the integration tests share it. */
export function alertServiceOptions(config: AlertConfig): RunServiceOptions {
  return {
    serviceName: SERVICE_NAME,
    module: AppModule.forRoot(config),
    settings: config,
    bodyLimit: 65_536,
    configure: (app) => installAlertApiAuth(app.getHttpAdapter().getInstance(), config),
    openApi: {
      title: 'Pulse alert',
      description:
        'Alert rules over events and windows, Alertmanager-style lifecycle, Slack and NATS notifications. ' +
        'Silences mute Slack notifications of matching alerts; rules come from the rules file (hot-reloaded). ' +
        'Every /v1 call needs a token, `Authorization: Bearer <token>`: reads take a read or a write token, ' +
        'creating and expiring silences a write token.',
      authentication: ['bearer'],
    },
  };
}
