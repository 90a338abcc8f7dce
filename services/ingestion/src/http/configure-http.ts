import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { installTokenAuth, TokenAuthenticator } from '@pulse/auth';
import type { Logger } from 'pino';
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
    installTokenAuth(app.getHttpAdapter().getInstance(), {
      authenticator: new TokenAuthenticator({
        credentials: config.PULSE_API_KEYS,
        disabled: config.PULSE_AUTH_DISABLED,
        presentation: 'api-key-or-bearer',
        messages: {
          missing:
            'an API key is required: send it as the x-api-key header or as Authorization: Bearer <key>',
          invalid: 'the API key is not valid',
        },
      }),
      challenge: 'Bearer realm="pulse", ApiKey header="x-api-key"',
    });
  };
}
