import type { RunServiceOptions } from '@pulse/observability';
import { AppModule, SERVICE_NAME } from './app.module';
import type { AggregationConfig } from './config';

/** Everything runService needs for aggregation; main.ts and tests share it. */
export function aggregationServiceOptions(config: AggregationConfig): RunServiceOptions {
  return { serviceName: SERVICE_NAME, module: AppModule.forRoot(config), settings: config };
}
