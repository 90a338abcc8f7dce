import type { RunServiceOptions } from '@pulse/observability';
import { AppModule, SERVICE_NAME } from './app.module';
import type { IngestionConfig } from './config';
import { configureHttp } from './http/configure-http';

/** Everything runService needs for ingestion; main.ts and the integration tests share it. */
export function ingestionServiceOptions(config: IngestionConfig): RunServiceOptions {
  return {
    serviceName: SERVICE_NAME,
    module: AppModule.forRoot(config),
    settings: config,
    bodyLimit: config.PULSE_BATCH_MAX_BYTES,
    configure: configureHttp(config),
    openApi: {
      title: 'Pulse ingestion',
      description:
        'Accepts e-commerce events (CloudEvents 1.0, JSON) and writes them to Kafka `events.raw`. ' +
        'Every /v1 call needs an API key (`x-api-key` header or `Authorization: Bearer`). ' +
        '202 means Kafka acknowledged the event; 503 means it may not have: retry with the same event (an event sent without an id gets one derived from its content, so the retry keeps it).',
      authentication: ['api-key', 'bearer'],
    },
  };
}
