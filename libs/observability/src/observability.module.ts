import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { HealthController, HealthRegistry } from './health';
import { MetricsController } from './metrics';

/** Injection token of the service's pino logger: `@Inject(LOGGER) logger: Logger`. */
export const LOGGER = Symbol('pulse.logger');
/** Injection token of the service name. */
export const SERVICE_NAME = Symbol('pulse.service-name');

export interface ObservabilityOptions {
  serviceName: string;
  logger: Logger;
  registry: Registry;
}

/** Logger, metrics registry, health registry and the /health and /metrics endpoints. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: LOGGER, useValue: options.logger },
        { provide: SERVICE_NAME, useValue: options.serviceName },
        { provide: Registry, useValue: options.registry },
        HealthRegistry,
      ],
      exports: [LOGGER, SERVICE_NAME, Registry, HealthRegistry],
    };
  }
}
