// Types only: the SDK, exporter and instrumentations are loaded when tracing is on (below).
import type * as SdkNode from '@opentelemetry/sdk-node';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as SemanticConventions from '@opentelemetry/semantic-conventions';
import type * as Instrumentations from './instrumentations';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
}

export interface TelemetryHandle {
  enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured (the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variables), and nothing
 * otherwise. Must run before anything imports http or undici, so each main.ts imports its
 * telemetry file first. The SDK itself reads every other standard variable, sampling included
 * (OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, default parentbased_always_on).
 */
export function startTelemetry(options: TelemetryOptions): TelemetryHandle {
  const env = process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true') {
    return { enabled: false, shutdown: async () => undefined };
  }
  // Loaded here, not at the top: without an endpoint nothing of the SDK is needed, and its
  // modules (exporters, instrumentations, protobuf) cost ≈ 20–30 MB of RSS in every process.
  // require, not import(): the SDK must be running before main.ts goes on to load http/kafkajs.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof Resources;
  const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } =
    require('@opentelemetry/semantic-conventions') as typeof SemanticConventions;
  const { getNodeAutoInstrumentations } = require('./instrumentations') as typeof Instrumentations;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? `pulse-${options.serviceName}`,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? env.npm_package_version ?? '0.0.0',
    }),
    traceExporter: new OTLPTraceExporter(),
    instrumentations: getNodeAutoInstrumentations(),
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
