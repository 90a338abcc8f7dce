import { context, propagation, trace } from '@opentelemetry/api';
import { startTelemetry } from './start-telemetry';

/** Runs `start` with these variables in process.env (where the SDK reads them), then restores it. */
function withEnv<T>(vars: Record<string, string>, start: () => T): T {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
  Object.assign(process.env, vars);
  try {
    return start();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe('startTelemetry', () => {
  // The OpenTelemetry API registers globals once; reset them so each case starts its own SDK.
  afterEach(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('stays off when no OTLP endpoint is configured', async () => {
    const handle = withEnv({}, () => startTelemetry({ serviceName: 'test' }));
    expect(handle.enabled).toBe(false);
    await handle.shutdown();
  });

  it('stays off when the SDK is disabled explicitly', () => {
    const handle = withEnv(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' },
      () => startTelemetry({ serviceName: 'test' }),
    );
    expect(handle.enabled).toBe(false);
  });

  it('registers a recording tracer when an endpoint is configured', async () => {
    const handle = withEnv(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SERVICE_NAME: 'pulse-test' },
      () => startTelemetry({ serviceName: 'test' }),
    );
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
    const handle = withEnv(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_SAMPLER: 'always_off' },
      () => startTelemetry({ serviceName: 'test' }),
    );
    try {
      const span = trace.getTracer('spec').startSpan('probe');
      expect(span.isRecording()).toBe(false);
      span.end();
    } finally {
      await handle.shutdown();
    }
  });

  it('samples by the standard ratio variables', async () => {
    const handle = withEnv(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      },
      () => startTelemetry({ serviceName: 'test' }),
    );
    try {
      const spans = Array.from({ length: 20 }, () => trace.getTracer('spec').startSpan('probe'));
      expect(spans.filter((span) => span.isRecording())).toEqual([]);
      for (const span of spans) span.end();
    } finally {
      await handle.shutdown();
    }
  });
});
