import { context, propagation, trace } from '@opentelemetry/api';
import { startTelemetry } from './start-telemetry';

describe('startTelemetry', () => {
  // The OpenTelemetry API registers globals once; reset them so each case starts its own SDK.
  afterEach(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('stays off when no OTLP endpoint is configured', async () => {
    const handle = startTelemetry({ serviceName: 'test', env: {} });
    expect(handle.enabled).toBe(false);
    await handle.shutdown();
  });

  it('stays off when the SDK is disabled explicitly', () => {
    const handle = startTelemetry({
      serviceName: 'test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' },
    });
    expect(handle.enabled).toBe(false);
  });

  it('registers a recording tracer when an endpoint is configured', async () => {
    const handle = startTelemetry({
      serviceName: 'test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SERVICE_NAME: 'pulse-test' },
    });
    try {
      expect(handle.enabled).toBe(true);
      const span = trace.getTracer('spec').startSpan('probe');
      expect(span.isRecording()).toBe(true);
      expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      // Not ended: the OTLP exporter loads its HTTP agent with a dynamic import that Jest's CJS
      // runtime cannot run; real export is covered by the end-to-end tracing test.
    } finally {
      await handle.shutdown();
    }
  });

  it('honours the standard sampler variables', async () => {
    const handle = startTelemetry({
      serviceName: 'test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_SAMPLER: 'always_off' },
    });
    try {
      const span = trace.getTracer('spec').startSpan('probe');
      expect(span.isRecording()).toBe(false);
      span.end();
    } finally {
      await handle.shutdown();
    }
  });
});
