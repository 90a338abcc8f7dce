import { SpanKind, SpanStatusCode, context, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ConsumedMessage } from './message';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_KAFKA_OFFSET,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions/incubating';
import {
  bootstrapServer,
  endProducerSpan,
  extractTraceContext,
  injectTraceContext,
  startProducerSpan,
  isPromiseLike,
  withMessageSpan,
} from './trace-context';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = trace.getTracer('spec');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});
afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

function message(headers: Record<string, string>): ConsumedMessage {
  return { topic: 'p.events.raw', partition: 1, offset: '17', key: null, value: null, headers, timestamp: 0 };
}

describe('inject and extract', () => {
  it('writes the active span as a W3C traceparent and reads it back', () => {
    const span = tracer.startSpan('parent');
    const headers: Record<string, string> = {};
    injectTraceContext(headers, trace.setSpan(context.active(), span));
    span.end();
    const { traceId, spanId } = span.spanContext();
    expect(headers['traceparent']).toBe(`00-${traceId}-${spanId}-01`);

    const extracted = trace.getSpanContext(extractTraceContext(headers));
    expect(extracted).toMatchObject({ traceId, spanId, isRemote: true });
  });

  it('injects the active context by default and nothing outside a span', () => {
    const outside: Record<string, string> = {};
    injectTraceContext(outside);
    expect(outside).toEqual({});

    const span = tracer.startSpan('active');
    const inside: Record<string, string> = {};
    context.with(trace.setSpan(context.active(), span), () => injectTraceContext(inside));
    span.end();
    expect(inside['traceparent']).toContain(span.spanContext().traceId);
  });

  it('extracts no span context from headers without a traceparent', () => {
    expect(trace.getSpanContext(extractTraceContext({ other: 'x' }))).toBeUndefined();
  });
});

describe('startProducerSpan', () => {
  it('starts a PRODUCER span under the active context and puts it in the headers', () => {
    const parent = tracer.startSpan('request');
    const headers: Record<string, string> = { existing: 'kept' };
    const span = context.with(trace.setSpan(context.active(), parent), () =>
      startProducerSpan('p.events.raw', headers),
    );
    span.end();
    parent.end();

    const [traceId, spanId] = TRACEPARENT.exec(headers['traceparent'] ?? '')!.slice(1);
    expect(traceId).toBe(parent.spanContext().traceId);
    expect(spanId).toBe(span.spanContext().spanId);
    expect(headers['existing']).toBe('kept');
    const finished = exporter.getFinishedSpans().find((s) => s.name === 'send p.events.raw')!;
    expect(finished.kind).toBe(SpanKind.PRODUCER);
    expect(finished.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(finished.attributes).toEqual({
      [ATTR_MESSAGING_SYSTEM_NAME]: 'kafka',
      [ATTR_MESSAGING_OPERATION_NAME]: 'send',
      [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR_MESSAGING_DESTINATION_NAME]: 'p.events.raw',
    });
    expect(finished.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('endProducerSpan', () => {
  it('ends a send the broker refused with error status and error.type, a success without', () => {
    class KafkaJSNumberOfRetriesExceeded extends Error {
      override name = 'KafkaJSNumberOfRetriesExceeded';
    }
    endProducerSpan(startProducerSpan('p.a', {}), new KafkaJSNumberOfRetriesExceeded('timed out'));
    endProducerSpan(startProducerSpan('p.b', {}));
    const [failed, sent] = exporter.getFinishedSpans();
    expect(failed!.name).toBe('send p.a');
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'timed out' });
    expect(failed!.attributes[ATTR_ERROR_TYPE]).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(sent!.status.code).toBe(SpanStatusCode.UNSET);
    expect(sent!.attributes).not.toHaveProperty(ATTR_ERROR_TYPE);
  });
});

describe('withMessageSpan', () => {
  it('runs the work in a CONSUMER span whose parent is the producer span of the headers', async () => {
    const headers: Record<string, string> = {};
    const producer = startProducerSpan('p.events.raw', headers);
    producer.end();

    const seen = await withMessageSpan(message(headers), 'pulse-enrichment', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return trace.getActiveSpan()?.spanContext();
    });

    const process = exporter.getFinishedSpans().find((span) => span.name === 'process p.events.raw')!;
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(seen?.spanId).toBe(process.spanContext().spanId);
    expect(process.attributes).toEqual({
      [ATTR_MESSAGING_SYSTEM_NAME]: 'kafka',
      [ATTR_MESSAGING_OPERATION_NAME]: 'process',
      [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR_MESSAGING_DESTINATION_NAME]: 'p.events.raw',
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: '1',
      [ATTR_KAFKA_OFFSET]: 17,
      [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: 'pulse-enrichment',
    });
    // The current names of the semantic conventions, as literals: a rename upstream shows here.
    expect(Object.keys(process.attributes).sort()).toEqual([
      'kafka.offset',
      'messaging.consumer.group.name',
      'messaging.destination.name',
      'messaging.destination.partition.id',
      'messaging.operation.name',
      'messaging.operation.type',
      'messaging.system.name',
    ]);
  });

  it('keeps records produced by the work in the same trace', async () => {
    const headers: Record<string, string> = {};
    const producer = startProducerSpan('p.events.raw', headers);
    producer.end();
    const outgoing: Record<string, string> = {};
    await withMessageSpan(message(headers), 'g', async () => {
      await Promise.resolve();
      startProducerSpan('p.events.enriched', outgoing).end();
    });
    expect(TRACEPARENT.exec(outgoing['traceparent'] ?? '')?.[1]).toBe(producer.spanContext().traceId);
  });

  it('starts a new trace for a message without trace context', async () => {
    const active = await withMessageSpan(message({}), 'g', () => trace.getActiveSpan()?.spanContext());
    const process = exporter.getFinishedSpans()[0]!;
    expect(process.parentSpanContext).toBeUndefined();
    expect(active?.traceId).toBe(process.spanContext().traceId);
  });

  it('records a failure on the span and rethrows it', async () => {
    await expect(
      withMessageSpan(message({}), 'g', async () => {
        throw new Error('handler broke');
      }),
    ).rejects.toThrow('handler broke');
    const process = exporter.getFinishedSpans()[0]!;
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler broke' });
    expect(process.attributes[ATTR_ERROR_TYPE]).toBe('Error');
    expect(process.events.map((event) => event.name)).toEqual(['exception']);
    expect(process.ended).toBe(true);
  });

  it('returns synchronous work synchronously, its span ended, and rethrows a synchronous failure', () => {
    const headers: Record<string, string> = {};
    startProducerSpan('p.events.raw', headers).end();
    const result = withMessageSpan(message(headers), 'g', () => trace.getActiveSpan()?.spanContext());
    expect(isPromiseLike(result)).toBe(false);
    expect(() =>
      withMessageSpan(message({}), 'g', () => {
        throw new TypeError('sync handler broke');
      }),
    ).toThrow('sync handler broke');

    const [, process, failed] = exporter.getFinishedSpans();
    expect(process!.ended).toBe(true);
    expect((result as SpanContext | undefined)?.spanId).toBe(process!.spanContext().spanId);
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'sync handler broke' });
    expect(failed!.attributes[ATTR_ERROR_TYPE]).toBe('TypeError');
    expect(failed!.ended).toBe(true);
  });
});

describe('the broker a span names', () => {
  it('reads the first bootstrap broker as server.address and server.port', () => {
    expect(bootstrapServer(['kafka-bootstrap.pulse.svc:9092', 'other:9093'])).toEqual({
      address: 'kafka-bootstrap.pulse.svc',
      port: 9092,
    });
    expect(bootstrapServer(['[::1]:19092'])).toEqual({ address: '::1', port: 19092 });
    expect(bootstrapServer([' kafka '])).toEqual({ address: 'kafka' });
    expect(bootstrapServer([])).toBeUndefined();
  });

  it('sets them on send and process spans, and nothing when unknown', async () => {
    const server = { address: 'kafka-bootstrap', port: 9092 };
    const headers: Record<string, string> = {};
    startProducerSpan('p.events.raw', headers, server).end();
    await withMessageSpan(message(headers), 'g', () => undefined, server);
    startProducerSpan('p.unknown', {}).end();
    const [send, process, unknown] = exporter.getFinishedSpans();
    for (const span of [send!, process!]) {
      expect(span.attributes['server.address']).toBe('kafka-bootstrap');
      expect(span.attributes['server.port']).toBe(9092);
    }
    expect(unknown!.attributes).not.toHaveProperty('server.address');
  });
});
