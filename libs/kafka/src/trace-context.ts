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
import {
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import type * as Incubating from '@opentelemetry/semantic-conventions/incubating';
import { errorClassOf } from './errors';
import type { ConsumedMessage } from './message';

// The messaging conventions are still incubating, and that entry point is one module of every
// attribute (≈ 6 MB of RSS in each process). The values are written here and type-checked
// against its constants, so a rename upstream fails the build instead of drifting.
const ATTR_KAFKA_OFFSET: typeof Incubating.ATTR_KAFKA_OFFSET = 'kafka.offset';
const ATTR_MESSAGING_CONSUMER_GROUP_NAME: typeof Incubating.ATTR_MESSAGING_CONSUMER_GROUP_NAME =
  'messaging.consumer.group.name';
const ATTR_MESSAGING_DESTINATION_NAME: typeof Incubating.ATTR_MESSAGING_DESTINATION_NAME =
  'messaging.destination.name';
const ATTR_MESSAGING_DESTINATION_PARTITION_ID: typeof Incubating.ATTR_MESSAGING_DESTINATION_PARTITION_ID =
  'messaging.destination.partition.id';
const ATTR_MESSAGING_OPERATION_NAME: typeof Incubating.ATTR_MESSAGING_OPERATION_NAME =
  'messaging.operation.name';
const ATTR_MESSAGING_OPERATION_TYPE: typeof Incubating.ATTR_MESSAGING_OPERATION_TYPE =
  'messaging.operation.type';
const ATTR_MESSAGING_SYSTEM_NAME: typeof Incubating.ATTR_MESSAGING_SYSTEM_NAME = 'messaging.system.name';
const MESSAGING_OPERATION_TYPE_VALUE_PROCESS: typeof Incubating.MESSAGING_OPERATION_TYPE_VALUE_PROCESS =
  'process';
const MESSAGING_OPERATION_TYPE_VALUE_SEND: typeof Incubating.MESSAGING_OPERATION_TYPE_VALUE_SEND = 'send';
const MESSAGING_SYSTEM_NAME_VALUE_KAFKA: typeof Incubating.MESSAGING_SYSTEM_NAME_VALUE_KAFKA = 'kafka';

const headerGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const tracer = trace.getTracer('@pulse/kafka');

/** The broker a span names as `server.address` / `server.port`. */
export interface KafkaServer {
  address: string;
  port?: number;
}

/**
 * The first bootstrap broker a client was given, as the server its spans name. kafkajs does not
 * say which broker served a request; the bootstrap address is what an operator knows the cluster
 * by (in Kubernetes, usually one Service in front of every broker).
 */
export function bootstrapServer(brokers: readonly string[]): KafkaServer | undefined {
  const first = brokers[0]?.trim();
  if (!first) return undefined;
  // "[::1]:9092" (IPv6), "kafka:9092", or a bare host.
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(first);
  const address = match?.[1] ?? match?.[2];
  if (address === undefined) return { address: first };
  return match?.[3] === undefined ? { address } : { address, port: Number(match[3]) };
}

function serverAttributes(server: KafkaServer | undefined): Record<string, string | number> {
  if (!server) return {};
  return server.port === undefined
    ? { [ATTR_SERVER_ADDRESS]: server.address }
    : { [ATTR_SERVER_ADDRESS]: server.address, [ATTR_SERVER_PORT]: server.port };
}

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
 * Synchronous work stays synchronous: this runs for every message, and an async wrapper cost a
 * promise and a suspended frame (about 1 KB of garbage) per message even with tracing off.
 */
export function withMessageSpan<T>(
  message: ConsumedMessage,
  groupId: string,
  work: (span: Span) => Promise<T> | T,
  server?: KafkaServer,
): Promise<T> | T {
  const parent = extractTraceContext(message.headers);
  const span = tracer.startSpan(
    `${MESSAGING_OPERATION_TYPE_VALUE_PROCESS} ${message.topic}`,
    { kind: SpanKind.CONSUMER },
    parent,
  );
  // Attributes only on a span that records: with tracing off or the trace sampled out they
  // would be built for nothing. (Pulse's samplers decide on the trace id and the parent, never
  // on attributes.)
  if (span.isRecording()) {
    span.setAttributes({
      [ATTR_MESSAGING_SYSTEM_NAME]: MESSAGING_SYSTEM_NAME_VALUE_KAFKA,
      [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_DESTINATION_NAME]: message.topic,
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(message.partition),
      [ATTR_KAFKA_OFFSET]: Number(message.offset),
      [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId,
      ...serverAttributes(server),
    });
  }
  let result: Promise<T> | T;
  try {
    result = context.with(trace.setSpan(parent, span), work, undefined, span);
  } catch (error) {
    endConsumerSpan(span, error);
    throw error;
  }
  if (!isPromiseLike(result)) {
    span.end();
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      endConsumerSpan(span, error);
      throw error;
    },
  );
}

function endConsumerSpan(span: Span, error: unknown): void {
  span.recordException(error as Error);
  failSpan(span, error);
  span.end();
}

/** True for a promise or any other thenable a handler may return. */
export function isPromiseLike<T>(value: PromiseLike<T> | T): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * Starts a PRODUCER span for one outgoing record under the active context and writes its
 * context into the record's headers; the caller ends it once the broker acknowledged.
 */
export function startProducerSpan(
  topic: string,
  headers: Record<string, string>,
  server?: KafkaServer,
): Span {
  const span = tracer.startSpan(`${MESSAGING_OPERATION_TYPE_VALUE_SEND} ${topic}`, {
    kind: SpanKind.PRODUCER,
  });
  if (span.isRecording()) {
    span.setAttributes({
      [ATTR_MESSAGING_SYSTEM_NAME]: MESSAGING_SYSTEM_NAME_VALUE_KAFKA,
      [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_TYPE_VALUE_SEND,
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND,
      [ATTR_MESSAGING_DESTINATION_NAME]: topic,
      ...serverAttributes(server),
    });
  }
  injectTraceContext(headers, trace.setSpan(context.active(), span));
  return span;
}

/** Ends a producer span: with error status and `error.type` when the broker did not acknowledge. */
export function endProducerSpan(span: Span, error?: unknown): void {
  if (error !== undefined) failSpan(span, error);
  span.end();
}

/** Error status, and `error.type` as the error's class name (low cardinality, as semconv asks). */
function failSpan(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
  span.setAttribute(ATTR_ERROR_TYPE, errorClassOf(error) || ERROR_TYPE_VALUE_OTHER);
}
