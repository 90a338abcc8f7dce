import { SpanKind, context, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import type { Kafka } from 'kafkajs';
import pino from 'pino';
// @pulse/testing builds on @pulse/kafka; this test-only import is the one accepted cycle.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  createTestTopics,
  stack,
  uniqueName,
  waitFor,
  waitForMessages,
  type TestTopics,
} from '@pulse/testing';
import { createKafka } from './connection';
import { ConsumerRunner, type MessageHandler } from './consumer-runner';
import { DLQ_HEADER } from './dead-letter';
import { PoisonMessageError } from './errors';
import { PulseProducer } from './producer';

const logger = pino({ level: process.env['PULSE_LOG_LEVEL'] ?? 'silent' });
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

function traceparentOf(headers: Readonly<Record<string, string>>): { traceId: string; spanId: string } {
  const match = TRACEPARENT.exec(headers['traceparent'] ?? '');
  if (!match) throw new Error(`no W3C traceparent in ${JSON.stringify(headers)}`);
  return { traceId: match[1]!, spanId: match[2]! };
}

describe('trace context across a Kafka hop', () => {
  let topics: TestTopics;
  let kafka: Kafka;
  let producer: PulseProducer;
  let runner: ConsumerRunner | undefined;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    topics = await createTestTopics('kafka-trace');
    kafka = createKafka({ brokers: [...stack.kafkaBrokers], clientId: uniqueName('kafka-trace') }, logger);
    producer = new PulseProducer(kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  afterAll(async () => {
    await producer?.disconnect();
    await topics?.cleanup();
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  async function start(handler: MessageHandler, input: string): Promise<void> {
    runner = new ConsumerRunner(
      kafka,
      producer,
      handler,
      {
        serviceName: 'kafka-trace',
        groupId: uniqueName('kafka-trace'),
        topics: [input],
        deadLetterTopic: topics.names.deadLetter,
        fromBeginning: true,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
      },
      logger,
    );
    await runner.start();
  }

  /** Produces one record under a fresh parent span, as a traced HTTP request in ingestion would. */
  async function sendUnderParent(topic: string, value: string): Promise<SpanContext> {
    const parent = trace.getTracer('spec').startSpan('POST /events');
    await context.with(trace.setSpan(context.active(), parent), () =>
      producer.send([{ topic, key: 'cust-1', value, headers: { ce_id: value } }]),
    );
    parent.end();
    return parent.spanContext();
  }

  const spans = (name: string, traceId: string): ReadableSpan[] =>
    exporter
      .getFinishedSpans()
      .filter((span) => span.name === name && span.spanContext().traceId === traceId);

  it('keeps one trace from the producer through the consumer to the records it produces', async () => {
    const { eventsRaw: input, eventsEnriched: output } = topics.names;
    const parent = await sendUnderParent(input, 'evt-1');
    let activeInHandler: string | undefined;
    await start(
      {
        handle: (message) => {
          activeInHandler = trace.getActiveSpan()?.spanContext().traceId;
          return [{ topic: output, key: message.key, value: message.value }];
        },
      },
      input,
    );
    const [forwarded] = await waitForMessages(kafka, output, 1);
    await waitFor('the forward span to end', () => spans(`send ${output}`, parent.traceId).length === 1);

    const [send] = spans(`send ${input}`, parent.traceId);
    const [process] = spans(`process ${input}`, parent.traceId);
    const [forward] = spans(`send ${output}`, parent.traceId);
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(process?.kind).toBe(SpanKind.CONSUMER);
    expect(process?.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
    expect(process?.attributes['messaging.consumer.group.name']).toMatch(/kafka_trace/);
    expect(activeInHandler).toBe(parent.traceId);
    expect(forward?.parentSpanContext?.spanId).toBe(process!.spanContext().spanId);

    expect(traceparentOf(forwarded!.headers)).toEqual({
      traceId: parent.traceId,
      spanId: forward!.spanContext().spanId,
    });
  });

  it('keeps a dead-lettered message in its trace', async () => {
    const input = topics.names.metricsWindowed; // any topic of the suite but the first test's
    const parent = await sendUnderParent(input, 'poison');
    await start(
      {
        handle: () => {
          throw new PoisonMessageError('not an event');
        },
      },
      input,
    );
    const dead = await waitFor('the dead letter', async () =>
      (await waitForMessages(kafka, topics.names.deadLetter, 1)).find(
        (message) => message.headers[DLQ_HEADER.sourceTopic] === input,
      ),
    );
    const [process] = spans(`process ${input}`, parent.traceId);
    expect(process?.status.message).toBe('not an event');
    expect(dead.headers['ce_id']).toBe('poison');
    expect(traceparentOf(dead.headers).traceId).toBe(parent.traceId);
  });
});
