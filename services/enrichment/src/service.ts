import type { RunServiceOptions } from '@pulse/observability';
import { AppModule, SERVICE_NAME } from './app.module';
import type { EnrichmentConfig } from './config';

/** Everything runService needs for enrichment; main.ts and the integration tests share it. */
export function enrichmentServiceOptions(config: EnrichmentConfig): RunServiceOptions {
  return { serviceName: SERVICE_NAME, module: AppModule.forRoot(config), settings: config };
}
