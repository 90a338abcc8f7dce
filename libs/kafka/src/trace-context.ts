import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { ConsumedMessage } from './message';

const headerGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const tracer = trace.getTracer('@pulse/kafka');

/** Writes the W3C trace context of `ctx` (traceparent, tracestate, baggage) into headers. */
export function injectTraceContext(headers: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers);
}

export function extractTraceContext(headers: Readonly<Record<string, string>>): Context {
  return propagation.extract(context.active(), headers, headerGetter);
}

/**
 * Runs the work for one consumed message inside a CONSUMER span whose parent is the producer
 * span found in the message headers, so the event keeps one trace across services even though
 * we consume in batches (the kafkajs auto-instrumentation would start a new trace per batch).
 */
export async function withMessageSpan<T>(
  message: ConsumedMessage,
  groupId: string,
  work: (span: Span) => Promise<T> | T,
): Promise<T> {
  const parent = extractTraceContext(message.headers);
  const span = tracer.startSpan(`process ${message.topic}`, { kind: SpanKind.CONSUMER }, parent);
  // Attributes only on a span that records: this runs for every message, and with tracing off
  // or the trace sampled out they would be built for nothing. (Pulse's samplers decide on the
  // trace id and the parent, never on attributes.)
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': message.topic,
      'messaging.destination.partition.id': String(message.partition),
      'messaging.kafka.offset': Number(message.offset),
      'messaging.consumer.group.name': groupId,
    });
  }
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Starts a PRODUCER span for one outgoing record under the active context and writes its
 * context into the record's headers; the caller ends it once the broker acknowledged.
 */
export function startProducerSpan(topic: string, headers: Record<string, string>): Span {
  const span = tracer.startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER });
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
    });
  }
  injectTraceContext(headers, trace.setSpan(context.active(), span));
  return span;
}
