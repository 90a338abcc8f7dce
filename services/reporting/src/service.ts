import { installTokenAuth, TokenAuthenticator } from '@pulse/auth';
import type { RunServiceOptions } from '@pulse/observability';
import { AppModule, SERVICE_NAME } from './app.module';
import type { ReportingConfig } from './config';
import { ReportErrorFilter } from './http/http-errors';

/** Everything runService needs for reporting; main.ts and the tests share it. */
export function reportingServiceOptions(config: ReportingConfig): RunServiceOptions {
  return {
    serviceName: SERVICE_NAME,
    module: AppModule.forRoot(config),
    settings: config,
    configure: (app, logger) => {
      app.useGlobalFilters(new ReportErrorFilter(logger.child({ component: 'http' })));
      installTokenAuth(app.getHttpAdapter().getInstance(), {
        authenticator: new TokenAuthenticator({
          credentials: config.PULSE_REPORTING_TOKENS,
          disabled: config.PULSE_AUTH_DISABLED,
          presentation: 'bearer',
          messages: {
            missing: 'a read token is required: send Authorization: Bearer <token>',
            invalid: 'the read token is not valid',
          },
        }),
        challenge: 'Bearer realm="pulse-reporting"',
      });
    },
    openApi: {
      title: 'Pulse reporting',
      description:
        'Windowed sales metrics from InfluxDB (summed across partitions, exact) and the alert log. ' +
        'Every /v1 call needs a read token: `Authorization: Bearer <token>`. Rows say whether their window is final ' +
        '(every partition’s watermark passed its end) and the watermark they were computed at.',
      authentication: ['bearer'],
    },
  };
}
