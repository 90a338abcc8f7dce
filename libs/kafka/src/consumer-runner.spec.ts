import type { EachBatchPayload, Kafka, KafkaMessage, ProducerBatch } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import {
  ConsumerRunner,
  type ConsumerHooks,
  type ConsumerRunnerOptions,
  type MessageHandler,
} from './consumer-runner';
import { DLQ_HEADER } from './dead-letter';
import { ErrorClassifier, PoisonMessageError, TransientError } from './errors';
import { KafkaMetrics } from './kafka-metrics';
import type { ConsumedMessage, OutgoingRecord } from './message';
import { PulseProducer } from './producer';

type EachBatch = (payload: EachBatchPayload) => Promise<void>;
type Listener = (event: { payload: Record<string, unknown> }) => void;

/**
 * A kafkajs stand-in: the consumer hands us its eachBatch callback so a test can feed it batches,
 * and the producer records every acknowledged send. Broker behaviour is covered by the
 * integration suite; this one pins the runner's own decisions (retry, dead-letter, commit).
 */
function fakeKafka() {
  const log: string[] = [];
  const sent: ProducerBatch[] = [];
  const listeners = new Map<string, Listener>();
  let eachBatch: EachBatch | undefined;
  const consumer = {
    events: {
      GROUP_JOIN: 'join',
      CRASH: 'crash',
      HEARTBEAT: 'heartbeat',
      STOP: 'stop',
      FETCH_START: 'fetch_start',
      REBALANCING: 'rebalancing',
    },
    on: (event: string, listener: Listener) => listeners.set(event, listener),
    connect: jest.fn(async () => undefined),
    subscribe: jest.fn(async () => undefined),
    run: jest.fn(async (config: { eachBatch: EachBatch }) => {
      eachBatch = config.eachBatch;
    }),
    disconnect: jest.fn(async () => undefined),
    pause: jest.fn(),
    resume: jest.fn(),
  };
  const producer = {
    events: { CONNECT: 'c', DISCONNECT: 'd' },
    on: () => undefined,
    // A failed send makes PulseProducer take a new producer id: a fresh connect.
    connect: jest.fn(async () => undefined),
    disconnect: jest.fn(async () => undefined),
    sendBatch: jest.fn(async (batch: ProducerBatch) => {
      log.push(`produce ${batch.topicMessages?.map((t) => `${t.topic}:${t.messages.length}`).join(',')}`);
      sent.push(batch);
      return [];
    }),
  };
  const consumerConfig = jest.fn();
  const kafka = {
    consumer: (config: unknown) => {
      consumerConfig(config);
      return consumer;
    },
    producer: () => producer,
  } as unknown as Kafka;
  return {
    kafka,
    consumer,
    consumerConfig,
    producer,
    sent,
    log,
    emit: (event: string, payload: Record<string, unknown>) => listeners.get(event)?.({ payload }),
    eachBatch: (): EachBatch => {
      if (!eachBatch) throw new Error('runner not started');
      return eachBatch;
    },
  };
}

function kafkaMessage(offset: number, value: string, headers: Record<string, string> = {}): KafkaMessage {
  return {
    key: Buffer.from(`key-${offset}`),
    value: Buffer.from(value),
    timestamp: String(Date.now()),
    attributes: 0,
    offset: String(offset),
    headers,
  };
}

interface BatchControl {
  payload: EachBatchPayload;
  commits: { offset: string; metadata: string | null }[];
  resolved: string[];
  running: boolean;
  stale: boolean;
}

function batchOf(messages: KafkaMessage[], log: string[], { firstOffset = 0 } = {}): BatchControl {
  const control: BatchControl = {
    commits: [],
    resolved: [],
    running: true,
    stale: false,
  } as unknown as BatchControl;
  control.payload = {
    batch: {
      topic: 'in',
      partition: 0,
      highWatermark: String(firstOffset + messages.length),
      messages,
    },
    resolveOffset: (offset: string) => control.resolved.push(offset),
    heartbeat: async () => undefined,
    isRunning: () => control.running,
    isStale: () => control.stale,
    commitOffsetsIfNecessary: async (offsets: {
      topics: { partitions: { offset: string; metadata: string | null }[] }[];
    }) => {
      const partition = offsets.topics[0]!.partitions[0]!;
      log.push(`commit ${partition.offset}`);
      control.commits.push({ offset: partition.offset, metadata: partition.metadata });
    },
  } as unknown as EachBatchPayload;
  return control;
}

const options: ConsumerRunnerOptions = {
  serviceName: 'svc',
  groupId: 'g',
  topics: ['in'],
  deadLetterTopic: 'dlq',
  retryBackoff: { initialMs: 2, maxMs: 4, factor: 2, maxHintMs: 10 },
};

async function startRunner(
  handler: MessageHandler,
  hooks?: ConsumerHooks,
  extra: Partial<ConsumerRunnerOptions> = {},
) {
  const fake = fakeKafka();
  const registry = new Registry();
  const metrics = new KafkaMetrics(registry);
  const producer = new PulseProducer(fake.kafka, metrics);
  const runner = new ConsumerRunner(
    fake.kafka,
    producer,
    handler,
    { ...options, ...extra },
    pino({ level: 'silent' }),
    metrics,
    hooks,
  );
  await runner.start();
  const metric = async (name: string) =>
    (await registry.getMetricsAsJSON())
      .find((m) => m.name === name)
      ?.values.reduce((sum, { value }) => sum + value, 0) ?? 0;
  return { ...fake, runner, metric, registry };
}

const echo = (message: ConsumedMessage): OutgoingRecord[] => [
  { topic: 'out', key: message.key, value: message.value },
];
const producedValues = (sent: ProducerBatch[], topic: string) =>
  sent
    .flatMap((b) => b.topicMessages ?? [])
    .filter((t) => t.topic === topic)
    .flatMap((t) => t.messages.map((m) => String(m.value)));

describe('ConsumerRunner', () => {
  it('subscribes without auto-commit or auto-resolve', async () => {
    const { consumer } = await startRunner({ handle: () => undefined }, undefined, { fromBeginning: true });
    expect(consumer.subscribe).toHaveBeenCalledWith({ topics: ['in'], fromBeginning: true });
    expect(consumer.run).toHaveBeenCalledWith(
      expect.objectContaining({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
      }),
    );
  });

  it('joins its group with the session, heartbeat and fetch settings, never creating topics', async () => {
    const { consumerConfig } = await startRunner({ handle: () => undefined }, undefined, {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
    });
    expect(consumerConfig).toHaveBeenCalledWith(
      expect.objectContaining({
        groupId: 'g',
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        maxWaitTimeInMs: 1_000,
        allowAutoTopicCreation: false,
      }),
    );
  });

  it('heartbeats several times per session timeout when no interval is given', async () => {
    const { consumerConfig } = await startRunner({ handle: () => undefined }, undefined, {
      sessionTimeoutMs: 6_000,
    });
    expect(consumerConfig).toHaveBeenCalledWith(
      expect.objectContaining({ sessionTimeout: 6_000, heartbeatInterval: 1_200 }),
    );
  });

  it('produces the records of a batch, then commits after its last message', async () => {
    const { eachBatch, log, sent, metric } = await startRunner({ handle: echo });
    const control = batchOf([kafkaMessage(0, 'a'), kafkaMessage(1, 'b')], log);
    await eachBatch()(control.payload);
    expect(producedValues(sent, 'out')).toEqual(['a', 'b']);
    expect(log).toEqual(['produce out:2', 'commit 2']);
    expect(control.commits).toEqual([{ offset: '2', metadata: null }]);
    expect(control.resolved).toEqual(['1']);
    expect(await metric('pulse_kafka_messages_processed_total')).toBe(2);
  });

  it('retries a failing message and applies its effect once', async () => {
    let calls = 0;
    const { eachBatch, log, sent, metric } = await startRunner({
      handle: (message) => {
        calls += 1;
        if (calls <= 2) throw new Error(`flaky ${calls}`);
        return echo(message);
      },
    });
    await eachBatch()(batchOf([kafkaMessage(0, 'a')], log).payload);
    expect(calls).toBe(3);
    expect(producedValues(sent, 'out')).toEqual(['a']);
    expect(producedValues(sent, 'dlq')).toEqual([]);
    expect(await metric('pulse_kafka_messages_retried_total')).toBe(2);
    expect(await metric('pulse_kafka_messages_failed_total')).toBe(2);
  });

  it('dead-letters a message that keeps failing after maxAttempts and handles the next', async () => {
    const seen: string[] = [];
    const { eachBatch, log, sent, metric } = await startRunner({
      handle: (message) => {
        seen.push(String(message.value));
        if (String(message.value) === 'bad') throw new TypeError('cannot read x');
        return echo(message);
      },
    });
    const control = batchOf([kafkaMessage(0, 'bad', { h: '1' }), kafkaMessage(1, 'good')], log);
    await eachBatch()(control.payload);

    expect(seen).toEqual(['bad', 'bad', 'bad', 'good']);
    const dlq = sent.flatMap((b) => b.topicMessages ?? []).find((t) => t.topic === 'dlq')!.messages;
    expect(dlq).toHaveLength(1);
    expect(String(dlq[0]!.value)).toBe('bad');
    expect(String(dlq[0]!.key)).toBe('key-0');
    expect(dlq[0]!.headers).toMatchObject({
      h: '1',
      [DLQ_HEADER.errorClass]: 'TypeError',
      [DLQ_HEADER.errorMessage]: 'cannot read x',
      [DLQ_HEADER.attempts]: '3',
      [DLQ_HEADER.sourceTopic]: 'in',
      [DLQ_HEADER.sourceOffset]: '0',
      [DLQ_HEADER.service]: 'svc',
    });
    expect(producedValues(sent, 'out')).toEqual(['good']);
    expect(control.commits).toEqual([{ offset: '2', metadata: null }]);
    expect(await metric('pulse_kafka_messages_dead_lettered_total')).toBe(1);
  });

  it('honours maxAttempts', async () => {
    let calls = 0;
    const { eachBatch, log, sent } = await startRunner(
      {
        handle: () => {
          calls += 1;
          throw new Error('no');
        },
      },
      undefined,
      { maxAttempts: 5 },
    );
    await eachBatch()(batchOf([kafkaMessage(0, 'x')], log).payload);
    expect(calls).toBe(5);
    expect(sent[0]!.topicMessages![0]!.messages[0]!.headers).toMatchObject({ [DLQ_HEADER.attempts]: '5' });
  });

  it('dead-letters a poison message at once, under its error class', async () => {
    let calls = 0;
    const { eachBatch, log, sent } = await startRunner({
      handle: () => {
        calls += 1;
        throw new PoisonMessageError('not JSON', 'ContractViolation');
      },
    });
    await eachBatch()(batchOf([kafkaMessage(0, '{')], log).payload);
    expect(calls).toBe(1);
    expect(sent[0]!.topicMessages![0]!.messages[0]!.headers).toMatchObject({
      [DLQ_HEADER.errorClass]: 'ContractViolation',
      [DLQ_HEADER.attempts]: '1',
    });
  });

  describe('with an error class registered as poison', () => {
    // Stands for a class the library does not know, e.g. @pulse/contracts' ContractViolation.
    class ContractViolation extends Error {
      override name = 'ContractViolation';
    }
    const errors = new ErrorClassifier({ poison: [ContractViolation] });

    it('dead-letters it at once under its own name, and handles the next message', async () => {
      const seen: string[] = [];
      const { eachBatch, log, sent, metric } = await startRunner(
        {
          handle: (message) => {
            seen.push(String(message.value));
            if (String(message.value) === '{') throw new ContractViolation('(root): not valid JSON');
            return echo(message);
          },
        },
        undefined,
        { errors },
      );
      const control = batchOf([kafkaMessage(0, '{'), kafkaMessage(1, 'good')], log);
      await eachBatch()(control.payload);

      expect(seen).toEqual(['{', 'good']);
      expect(producedValues(sent, 'dlq')).toEqual(['{']);
      const [letter] = sent.flatMap((b) => b.topicMessages ?? []).find((t) => t.topic === 'dlq')!.messages;
      expect(letter!.headers).toMatchObject({
        [DLQ_HEADER.errorClass]: 'ContractViolation',
        [DLQ_HEADER.errorMessage]: '(root): not valid JSON',
        [DLQ_HEADER.attempts]: '1',
      });
      expect(producedValues(sent, 'out')).toEqual(['good']);
      expect(control.commits).toEqual([{ offset: '2', metadata: null }]);
      expect(await metric('pulse_kafka_messages_retried_total')).toBe(0);
      expect(await metric('pulse_kafka_messages_dead_lettered_total')).toBe(1);
    });

    it('still retries other errors, and a subclass of a registered class is poison too', async () => {
      class MissingField extends ContractViolation {}
      const calls = new Map<string, number>();
      const { eachBatch, log, sent } = await startRunner(
        {
          handle: (message) => {
            const value = String(message.value);
            calls.set(value, (calls.get(value) ?? 0) + 1);
            throw value === 'missing' ? new MissingField('no id') : new TypeError('bug');
          },
        },
        undefined,
        { errors },
      );
      await eachBatch()(batchOf([kafkaMessage(0, 'missing'), kafkaMessage(1, 'bug')], log).payload);
      expect(Object.fromEntries(calls)).toEqual({ missing: 1, bug: 3 });
      const dlq = sent.flatMap((b) => b.topicMessages ?? []).filter((t) => t.topic === 'dlq');
      expect(dlq.flatMap((t) => t.messages.map((m) => m.headers![DLQ_HEADER.attempts]))).toEqual(['1', '3']);
    });
  });

  it('tells the handler which messages it dead-letters, whatever the reason', async () => {
    const deadLettered: { offset: string; error: unknown }[] = [];
    const poison = new PoisonMessageError('bad');
    const { eachBatch, log } = await startRunner(
      {
        handle: (message) => {
          if (String(message.value) === 'poison') throw poison;
          if (String(message.value) === 'bug') throw new TypeError('bug');
          return echo(message);
        },
      },
      { onDeadLetter: (message, error) => deadLettered.push({ offset: message.offset, error }) },
    );
    await eachBatch()(
      batchOf([kafkaMessage(0, 'ok'), kafkaMessage(1, 'poison'), kafkaMessage(2, 'bug')], log).payload,
    );
    expect(deadLettered).toEqual([
      { offset: '1', error: poison },
      { offset: '2', error: expect.any(TypeError) },
    ]);
  });

  it('dead-letters messages a handler settles after handle() on the same path, with trace and metric', async () => {
    const { runner, sent, metric } = await startRunner({ handle: () => [] });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const accepted: ConsumedMessage = {
      topic: 'in',
      partition: 2,
      offset: '41',
      key: Buffer.from('k'),
      value: Buffer.from('{"a":1}'),
      headers: { traceparent },
      timestamp: Date.now(),
    };
    await runner.deadLetter([accepted], new PoisonMessageError('refused for good', 'SlackRejected'));
    const [record] = sent[0]!.topicMessages!.filter((t) => t.topic === 'dlq')[0]!.messages;
    expect(String(record!.value)).toBe('{"a":1}');
    expect(record!.headers).toMatchObject({
      [DLQ_HEADER.errorClass]: 'SlackRejected',
      [DLQ_HEADER.errorMessage]: 'refused for good',
      [DLQ_HEADER.sourceTopic]: 'in',
      [DLQ_HEADER.sourcePartition]: '2',
      [DLQ_HEADER.sourceOffset]: '41',
      [DLQ_HEADER.attempts]: '1',
    });
    // The event's own trace goes on (a re-drive continues it).
    expect(String(record!.headers!.traceparent)).toContain('0af7651916cd43dd8448eb211c80319c');
    expect(await metric('pulse_kafka_messages_dead_lettered_total')).toBe(1);
  });

  it('retries a transient failure past maxAttempts without dead-lettering it', async () => {
    let calls = 0;
    const { eachBatch, log, sent } = await startRunner({
      handle: (message) => {
        calls += 1;
        if (calls <= 6) throw new TransientError('InfluxDB down', 1);
        return echo(message);
      },
    });
    const control = batchOf([kafkaMessage(0, 'a')], log);
    await eachBatch()(control.payload);
    expect(calls).toBe(7);
    expect(producedValues(sent, 'dlq')).toEqual([]);
    expect(producedValues(sent, 'out')).toEqual(['a']);
    expect(control.commits).toEqual([{ offset: '1', metadata: null }]);
  });

  it("caps a server's Retry-After at maxHintMs instead of pausing the partition for it", async () => {
    let calls = 0;
    const { eachBatch, log, sent } = await startRunner({
      handle: (message) => {
        calls += 1;
        if (calls === 1) throw new TransientError('InfluxDB answered 503, Retry-After: 3600', 3_600_000);
        return echo(message);
      },
    });
    const control = batchOf([kafkaMessage(0, 'a')], log);
    const started = Date.now();
    await eachBatch()(control.payload);
    // The cap is 10 ms here (a minute by default); an hour-long sleep would time the test out.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls).toBe(2);
    expect(producedValues(sent, 'out')).toEqual(['a']);
  });

  it('commits nothing past a transient failure when the consumer stops meanwhile', async () => {
    const ref: { control?: BatchControl } = {};
    const { eachBatch, log, sent } = await startRunner({
      handle: (message) => {
        if (String(message.value) === 'blocked') {
          ref.control!.running = false;
          throw new TransientError('Slack 429', 50);
        }
        return echo(message);
      },
    });
    const control = batchOf(
      [kafkaMessage(0, 'ok'), kafkaMessage(1, 'blocked'), kafkaMessage(2, 'later')],
      log,
    );
    ref.control = control;
    await eachBatch()(control.payload);
    expect(producedValues(sent, 'out')).toEqual(['ok']);
    expect(control.commits).toEqual([{ offset: '1', metadata: null }]);
    expect(control.resolved).toEqual(['0']);
  });

  it('commits nothing when the very first message is interrupted', async () => {
    const ref: { control?: BatchControl } = {};
    const { eachBatch, log } = await startRunner({
      handle: () => {
        ref.control!.running = false;
        throw new TransientError('down');
      },
    });
    const control = batchOf([kafkaMessage(0, 'x')], log);
    ref.control = control;
    await eachBatch()(control.payload);
    expect(log).toEqual([]);
    expect(control.resolved).toEqual([]);
  });

  it('stops handling messages once the consumer stops, and commits what it handled', async () => {
    const ref: { control?: BatchControl } = {};
    const seen: string[] = [];
    const { eachBatch, log } = await startRunner({
      handle: (message) => {
        seen.push(String(message.value));
        if (seen.length === 2) ref.control!.running = false;
        return echo(message);
      },
    });
    const control = batchOf(
      [0, 1, 2, 3].map((i) => kafkaMessage(i, `m${i}`)),
      log,
    );
    ref.control = control;
    await eachBatch()(control.payload);
    expect(seen).toEqual(['m0', 'm1']);
    expect(log).toEqual(['produce out:2', 'commit 2']);
  });

  it('neither produces nor commits a batch that went stale in a rebalance', async () => {
    const ref: { control?: BatchControl } = {};
    const { eachBatch, log } = await startRunner({
      handle: (message) => {
        ref.control!.stale = true;
        return echo(message);
      },
    });
    const control = batchOf([kafkaMessage(0, 'a'), kafkaMessage(1, 'b')], log);
    ref.control = control;
    await eachBatch()(control.payload);
    expect(log).toEqual([]);
  });

  it('retries producing until the broker acknowledges, committing only afterwards', async () => {
    const { eachBatch, log, producer } = await startRunner({ handle: echo });
    producer.sendBatch.mockRejectedValueOnce(new Error('leader not available'));
    await eachBatch()(batchOf([kafkaMessage(0, 'a')], log).payload);
    expect(producer.sendBatch).toHaveBeenCalledTimes(2);
    expect(log).toEqual(['produce out:1', 'commit 1']);
  });

  it('runs afterBatch after producing and commits the point it returns, with metadata', async () => {
    const afterBatch = jest.fn(async (_partition: unknown, lastHandledOffset: string) => {
      expect(lastHandledOffset).toBe('11');
      return { offset: '7', metadata: '{"watermark":1764000000000}' };
    });
    const { eachBatch, log } = await startRunner({ handle: echo }, { afterBatch });
    const control = batchOf([kafkaMessage(10, 'a'), kafkaMessage(11, 'b')], log, { firstOffset: 10 });
    await eachBatch()(control.payload);
    expect(afterBatch).toHaveBeenCalledWith({ topic: 'in', partition: 0 }, '11');
    expect(control.commits).toEqual([{ offset: '7', metadata: '{"watermark":1764000000000}' }]);
    expect(control.resolved).toEqual(['11']);
  });

  it('retries a failing afterBatch and commits nothing until it succeeds', async () => {
    let calls = 0;
    const { eachBatch, log } = await startRunner(
      { handle: echo },
      {
        afterBatch: async () => {
          calls += 1;
          log.push(`afterBatch ${calls}`);
          if (calls < 3) throw new Error('InfluxDB write failed');
        },
      },
    );
    await eachBatch()(batchOf([kafkaMessage(0, 'a')], log).payload);
    expect(log).toEqual(['produce out:1', 'afterBatch 1', 'afterBatch 2', 'afterBatch 3', 'commit 1']);
  });

  it('resolves but never commits when commitOffsets is off', async () => {
    const { eachBatch, log } = await startRunner({ handle: () => undefined }, undefined, {
      commitOffsets: false,
    });
    const control = batchOf([kafkaMessage(0, 'a')], log);
    await eachBatch()(control.payload);
    expect(control.resolved).toEqual(['0']);
    expect(control.commits).toEqual([]);
  });

  describe('with a commit interval', () => {
    const interval = { commitIntervalMs: 60_000 };

    it('commits the first batch at once and defers the next ones of the same partition', async () => {
      const { eachBatch, log } = await startRunner({ handle: () => undefined }, undefined, interval);
      const first = batchOf([kafkaMessage(0, 'a')], log);
      await eachBatch()(first.payload);
      const second = batchOf([kafkaMessage(1, 'b')], log, { firstOffset: 1 });
      await eachBatch()(second.payload);
      expect(first.commits).toEqual([{ offset: '1', metadata: null }]);
      expect(second.commits).toEqual([]);
      expect(second.resolved).toEqual(['1']);
    });

    it('commits the deferred position before leaving the group on stop', async () => {
      const { eachBatch, log, runner, consumer } = await startRunner(
        { handle: () => undefined },
        undefined,
        interval,
      );
      consumer.disconnect.mockImplementation(async () => {
        log.push('disconnect');
      });
      await eachBatch()(batchOf([kafkaMessage(0, 'a')], log).payload);
      await eachBatch()(
        batchOf([kafkaMessage(1, 'b'), kafkaMessage(2, 'c')], log, { firstOffset: 1 }).payload,
      );
      await runner.stop();
      expect(log).toEqual(['commit 1', 'commit 3', 'disconnect']);
    });

    it('commits at once a batch that finishes while the consumer stops', async () => {
      const ref: { control?: BatchControl } = {};
      const { eachBatch, log } = await startRunner(
        {
          handle: () => {
            if (ref.control) ref.control.running = false;
          },
        },
        undefined,
        interval,
      );
      await eachBatch()(batchOf([kafkaMessage(0, 'a')], log).payload);
      ref.control = batchOf([kafkaMessage(1, 'b')], log, { firstOffset: 1 });
      await eachBatch()(ref.control.payload);
      expect(log).toEqual(['commit 1', 'commit 2']);
    });

    it('commits deferred positions that are due before the next fetch', async () => {
      const { eachBatch, log, runner, emit } = await startRunner({ handle: () => undefined }, undefined, {
        commitIntervalMs: 40,
      });
      await eachBatch()(batchOf([kafkaMessage(0, 'a')], log).payload);
      await eachBatch()(batchOf([kafkaMessage(1, 'b')], log, { firstOffset: 1 }).payload);
      emit('fetch_start', {});
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).toEqual(['commit 1']); // not due yet
      await new Promise((resolve) => setTimeout(resolve, 60));
      emit('fetch_start', {});
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).toEqual(['commit 1', 'commit 2']);
      await runner.stop();
      expect(log).toEqual(['commit 1', 'commit 2']);
    });

    it.each(['rebalancing', 'join', 'crash'])(
      'never commits a position deferred before a %s event',
      async (event) => {
        const { eachBatch, log, runner, emit } = await startRunner(
          { handle: () => undefined },
          undefined,
          interval,
        );
        await eachBatch()(batchOf([kafkaMessage(0, 'a')], log).payload);
        await eachBatch()(batchOf([kafkaMessage(1, 'b')], log, { firstOffset: 1 }).payload);
        emit(event, { memberAssignment: { in: [1] }, error: new Error('x'), restart: true });
        emit('fetch_start', {});
        await runner.stop();
        expect(log).toEqual(['commit 1']);
      },
    );
  });

  it('reports health from the group events', async () => {
    const onAssignment = jest.fn();
    const { runner, emit } = await startRunner({ handle: () => undefined }, { onAssignment });
    expect(runner.health().state).toBe('joining');
    expect(runner.isHealthy()).toBe(false);

    emit('join', { memberAssignment: { in: [0, 2] } });
    expect(runner.health()).toMatchObject({
      state: 'running',
      groupId: 'g',
      assigned: [
        { topic: 'in', partition: 0 },
        { topic: 'in', partition: 2 },
      ],
    });
    expect(onAssignment).toHaveBeenCalledWith(runner.health().assigned);
    expect(runner.isHealthy()).toBe(true);
    expect(runner.isHealthy(Date.now() + 60_000)).toBe(false);

    emit('crash', { error: new Error('coordinator gone'), restart: false });
    expect(runner.health()).toMatchObject({ state: 'crashed', lastError: 'coordinator gone' });
    expect(runner.isHealthy()).toBe(false);
  });

  it('reports lag only for the partitions it owns: a revoked partition loses its series', async () => {
    const { eachBatch, emit, log, registry } = await startRunner({ handle: () => undefined });
    const lagSeries = async () =>
      ((await registry.getMetricsAsJSON()).find((m) => m.name === 'pulse_kafka_consumer_lag')?.values ?? [])
        .map(({ labels, value }) => `${String(labels['topic'])}/${String(labels['partition'])}=${value}`)
        .sort();
    emit('join', { memberAssignment: { in: [0, 2] } });
    for (const partition of [0, 2]) {
      const control = batchOf([kafkaMessage(0, 'a')], log);
      Object.assign(control.payload.batch, { partition, highWatermark: '501' });
      await eachBatch()(control.payload);
    }
    expect(await lagSeries()).toEqual(['in/0=500', 'in/2=500']);

    // A rebalance moves partition 0 elsewhere: its frozen 500 would otherwise be reported for ever.
    emit('join', { memberAssignment: { in: [2] } });
    expect(await lagSeries()).toEqual(['in/2=500']);
  });

  it('stops once and forwards pause and resume', async () => {
    const { runner, consumer } = await startRunner({ handle: () => undefined });
    runner.pause([{ topic: 'in', partition: 1 }]);
    runner.resume([{ topic: 'in', partition: 1 }]);
    expect(consumer.pause).toHaveBeenCalledWith([{ topic: 'in', partitions: [1] }]);
    expect(consumer.resume).toHaveBeenCalledWith([{ topic: 'in', partitions: [1] }]);
    await runner.stop();
    await runner.stop();
    expect(consumer.disconnect).toHaveBeenCalledTimes(1);
    expect(runner.health().state).toBe('stopped');
  });
});
