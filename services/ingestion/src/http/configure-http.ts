import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { ApiKeyAuthenticator } from '../auth/api-keys';
import { installApiKeyAuth } from '../auth/auth-hook';
import type { IngestionConfig } from '../config';
import { registerBodyParsers } from './body-parsers';
import { ErrorFilter } from './error-filter';

/** Ingestion's HTTP surface on top of runService: parsers, error format, CORS and API keys. */
export function configureHttp(config: IngestionConfig) {
  return (app: NestFastifyApplication, logger: Logger): void => {
    const bodyLimit = config.PULSE_BATCH_MAX_BYTES;
    registerBodyParsers(app, bodyLimit);
    app.useGlobalFilters(new ErrorFilter(logger.child({ component: 'http' }), bodyLimit));
    if (config.PULSE_CORS_ORIGINS.length > 0) {
      app.enableCors({
        origin: [...config.PULSE_CORS_ORIGINS],
        methods: ['POST'],
        allowedHeaders: ['content-type', 'x-api-key', 'authorization', 'x-request-id'],
        exposedHeaders: ['x-request-id', 'retry-after'],
        maxAge: 600,
      });
    }
    installApiKeyAuth(app.getHttpAdapter().getInstance(), app.get(ApiKeyAuthenticator));
  };
}
