export { createLogger, PinoNestLogger } from './logger';
export type { Logger } from './logger';
export { HealthRegistry, HealthController } from './health';
export type { CheckResult, HealthCheck } from './health';
export { createMetricsRegistry, instrumentHttp, MetricsController } from './metrics';
export { ObservabilityModule, LOGGER, SERVICE_NAME } from './observability.module';
export type { ObservabilityOptions } from './observability.module';
export { createService, runService, exitOnStartupError } from './run-service';
export type { RunServiceOptions, RunningService, ServiceSettings } from './run-service';
