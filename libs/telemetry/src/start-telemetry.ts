import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { getNodeAutoInstrumentations } from './instrumentations';
import { samplerFromEnv } from './sampler';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  env?: NodeJS.ProcessEnv;
}

export interface TelemetryHandle {
  enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured (the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variables), and nothing
 * otherwise. Must run before anything imports http or undici, so each main.ts imports its
 * telemetry file first. Sampling follows OTEL_TRACES_SAMPLER (default parentbased_always_on).
 */
export function startTelemetry(options: TelemetryOptions): TelemetryHandle {
  const env = options.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true') {
    return { enabled: false, shutdown: async () => undefined };
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? `pulse-${options.serviceName}`,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? env.npm_package_version ?? '0.0.0',
    }),
    traceExporter: new OTLPTraceExporter(),
    sampler: samplerFromEnv(env),
    instrumentations: getNodeAutoInstrumentations(),
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
