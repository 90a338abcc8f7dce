import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DocumentBuilder as OpenApiBuilder } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { HealthRegistry } from './health';
import { applyHeapGrowth } from './heap-growth';
import { IdleMemoryRelease } from './idle-memory-release';
import { createLogger, PinoNestLogger } from './logger';
import { createMetricsRegistry, instrumentHttp } from './metrics';
import { lingerOnUnreadBodies } from './unread-body';
import { ObservabilityModule } from './observability.module';

export interface ServiceSettings {
  PULSE_HTTP_HOST: string;
  PULSE_HTTP_PORT: number;
  PULSE_LOG_LEVEL: string;
  PULSE_SHUTDOWN_TIMEOUT: number;
  PULSE_HEAP_GROWTH_PERCENT: number;
  PULSE_IDLE_MEMORY_RELEASE: number;
}

export interface RunServiceOptions {
  serviceName: string;
  /** The service's root module (a class or `AppModule.forRoot(config)`); imported next to ObservabilityModule. */
  module: Type<unknown> | DynamicModule;
  settings: ServiceSettings;
  /** OpenAPI title/description; served at /docs and /docs-json. */
  openApi?: {
    title: string;
    description: string;
    version?: string;
    /**
     * How clients authenticate, declared under `components.securitySchemes` so the operations'
     * `security` entries (`@ApiBearerAuth()`, `@ApiSecurity('api-key')`) resolve in clients and
     * in Swagger UI.
     */
    authentication?: readonly ('bearer' | 'api-key')[];
  };
  /** Largest accepted request body in bytes (Fastify answers 413 above it). */
  bodyLimit?: number;
  /** Extra Fastify setup (content-type parsers, CORS…) before routes are registered. */
  configure?: (app: NestFastifyApplication, logger: Logger) => void | Promise<void>;
}

export interface RunningService {
  app: INestApplication;
  logger: Logger;
  url: string;
  close(): Promise<void>;
}

/**
 * Builds and starts one Pulse service on Fastify: JSON logs, request ids, metrics, health,
 * OpenAPI, and a graceful SIGTERM (readiness fails first, then Nest shuts modules down —
 * consumers drain and commit — bounded by PULSE_SHUTDOWN_TIMEOUT).
 */
export async function createService(options: RunServiceOptions): Promise<RunningService> {
  const { settings, serviceName } = options;
  applyHeapGrowth(settings.PULSE_HEAP_GROWTH_PERCENT);
  const logger = createLogger(serviceName, settings.PULSE_LOG_LEVEL);
  const registry = createMetricsRegistry(serviceName);

  @Module({ imports: [ObservabilityModule.forRoot({ serviceName, logger, registry }), options.module] })
  class ServiceRootModule {}

  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit ?? 1_048_576,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // No `logger` option: Fastify's own logger stays off, so it logs no requests (the deprecated
    // `disableRequestLogging` only printed a FSTDEP023 warning at every start).
    trustProxy: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, adapter, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    bufferLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  instrumentHttp(fastify, registry);
  lingerOnUnreadBodies(fastify);
  await options.configure?.(app, logger);

  if (options.openApi) {
    // Loaded only by services with an API to document: the Kafka workers (enrichment,
    // aggregation) would otherwise hold Swagger and its YAML parser in every pod's heap.
    const { DocumentBuilder, SwaggerModule } = await import('@nestjs/swagger');
    const document = SwaggerModule.createDocument(app, openApiDocument(DocumentBuilder, options.openApi));
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }

  await app.listen(settings.PULSE_HTTP_PORT, settings.PULSE_HTTP_HOST);
  // The bound port, not the configured one: tests listen on port 0 (an ephemeral port).
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.PULSE_HTTP_PORT;
  const url = `http://${settings.PULSE_HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : settings.PULSE_HTTP_HOST}:${port}`;
  logger.info({ url }, `${serviceName} listening`);
  const memoryRelease = new IdleMemoryRelease({
    quietPeriodMs: settings.PULSE_IDLE_MEMORY_RELEASE,
    logger: logger.child({ component: 'memory' }),
    registry,
  });
  memoryRelease.start();
  const close = async (): Promise<void> => {
    memoryRelease.stop();
    await app.close();
  };
  return { app, logger, url, close };
}

function openApiDocument(
  DocumentBuilder: typeof OpenApiBuilder,
  openApi: NonNullable<RunServiceOptions['openApi']>,
) {
  let builder = new DocumentBuilder()
    .setTitle(openApi.title)
    .setDescription(openApi.description)
    .setVersion(openApi.version ?? '1.0');
  const schemes = openApi.authentication ?? [];
  if (schemes.includes('bearer')) builder = builder.addBearerAuth();
  if (schemes.includes('api-key'))
    builder = builder.addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key');
  return builder.build();
}

/** For main.ts: start the service and wire SIGTERM/SIGINT to a bounded graceful shutdown. */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const running = await createService(options);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutting down');
    running.app.get(HealthRegistry).markShuttingDown();
    const timer = setTimeout(() => {
      running.logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, options.settings.PULSE_SHUTDOWN_TIMEOUT);
    timer.unref();
    running
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return running;
}

/** Logs a start-up failure as one JSON line and exits non-zero. */
export function exitOnStartupError(serviceName: string) {
  return (error: unknown): never => {
    createLogger(serviceName, 'error').fatal({ err: error }, 'failed to start');
    process.exit(1);
  };
}
