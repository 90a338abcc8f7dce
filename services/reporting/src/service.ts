import type { RunServiceOptions } from '@pulse/observability';
import { installReadTokenAuth } from './auth/auth-hook';
import { ReadTokenAuthenticator } from './auth/read-tokens';
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
      installReadTokenAuth(
        app.getHttpAdapter().getInstance(),
        new ReadTokenAuthenticator(config.PULSE_REPORTING_TOKENS, config.PULSE_AUTH_DISABLED),
      );
    },
    openApi: {
      title: 'Pulse reporting',
      description:
        'Windowed sales metrics from InfluxDB (summed across partitions, exact) and the alert log. ' +
        'Every /v1 call needs a read token: `Authorization: Bearer <token>`. Rows say whether their window is final ' +
        '(every partition’s watermark passed its end) and the watermark they were computed at.',
    },
  };
}
