import type { Admin, Kafka } from 'kafkajs';
import pino from 'pino';
// @pulse/testing builds on @pulse/kafka; this test-only import is the one accepted cycle.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  createTestTopics,
  readAll,
  stack,
  uniqueName,
  waitFor,
  waitForMessages,
  type TestTopics,
} from '@pulse/testing';
import { createKafka } from './connection';
import {
  ConsumerRunner,
  type ConsumerHooks,
  type ConsumerRunnerOptions,
  type MessageHandler,
} from './consumer-runner';
import { DLQ_HEADER, readDeadLetter } from './dead-letter';
import { PoisonMessageError, TransientError } from './errors';
import type { ConsumedMessage, OutgoingRecord } from './message';
import { PulseProducer } from './producer';
import { ensureTopics } from './topics';

// Recent record times: Kafka's time-based retention (24 h locally) deletes older records at its
// next check, which could fall between producing them and reading them.
const RECORD_TIME = Math.floor(Date.now() / 1_000) * 1_000 - 60_000;

// Quiet by default (retries log warnings on purpose); PULSE_LOG_LEVEL=debug to investigate.
const logger = pino({ level: process.env['PULSE_LOG_LEVEL'] ?? 'silent' });

describe('ConsumerRunner and PulseProducer against the local Kafka', () => {
  let topics: TestTopics;
  let kafka: Kafka;
  let admin: Admin;
  let producer: PulseProducer;
  const extraTopics: string[] = [];
  const runners: ConsumerRunner[] = [];

  beforeAll(async () => {
    topics = await createTestTopics('kafka-runner');
    admin = topics.admin;
    kafka = createKafka({ brokers: [...stack.kafkaBrokers], clientId: uniqueName('kafka-runner') }, logger);
    producer = new PulseProducer(kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });

  afterAll(async () => {
    await producer?.disconnect();
    if (extraTopics.length > 0)
      await admin?.deleteTopics({ topics: extraTopics, timeout: 10_000 }).catch(() => undefined);
    await topics?.cleanup();
  });

  /** Input and output topics of one test under the suite's prefix, so tests never read each other's data. */
  async function testTopics(label: string, partitions = 1): Promise<{ input: string; output: string }> {
    const input = `${topics.prefix}${label}.in`;
    const output = `${topics.prefix}${label}.out`;
    await ensureTopics(
      admin,
      [input, output].map((name) => ({ name, partitions, replicationFactor: 1, config: {} })),
    );
    extraTopics.push(input, output);
    return { input, output };
  }

  function startRunner(
    handler: MessageHandler,
    options: Pick<ConsumerRunnerOptions, 'topics'> & Partial<ConsumerRunnerOptions>,
    hooks?: ConsumerHooks,
  ): Promise<ConsumerRunner> {
    const runner = new ConsumerRunner(
      kafka,
      producer,
      handler,
      {
        serviceName: 'kafka-it',
        groupId: uniqueName('kafka-it'),
        deadLetterTopic: topics.names.deadLetter,
        fromBeginning: true,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
        retryBackoff: { initialMs: 20, maxMs: 200, factor: 2 },
        ...options,
      },
      logger,
      undefined,
      hooks,
    );
    runners.push(runner);
    return runner.start().then(() => runner);
  }

  async function committed(
    groupId: string,
    topic: string,
  ): Promise<Map<number, { offset: string; metadata: string | null }>> {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(
      (result?.partitions ?? []).map(({ partition, offset, metadata }) => [partition, { offset, metadata }]),
    );
  }

  async function deadLettersFrom(sourceTopic: string, count: number): Promise<ConsumedMessage[]> {
    return waitFor(`${count} dead letters from ${sourceTopic}`, async () => {
      const all = await readAll(kafka, topics.names.deadLetter);
      const mine = all.filter((message) => message.headers[DLQ_HEADER.sourceTopic] === sourceTopic);
      return mine.length >= count ? mine : undefined;
    });
  }

  const text = (buffer: Buffer | null): string | null => (buffer === null ? null : buffer.toString('utf8'));
  const forward =
    (output: string) =>
    (message: ConsumedMessage): OutgoingRecord[] => [
      {
        topic: output,
        key: message.key,
        value: message.value,
        headers: { ...message.headers },
        timestamp: message.timestamp,
      },
    ];

  it('delivers keys, values, headers and record timestamps intact, in order per key', async () => {
    const input = topics.names.eventsRaw;
    const output = topics.names.eventsEnriched;
    const sent: OutgoingRecord[] = [];
    for (let round = 0; round < 2; round += 1) {
      for (let customer = 0; customer < 6; customer += 1) {
        sent.push({
          topic: input,
          key: `cust-${customer}`,
          value: JSON.stringify({ customer, round }),
          headers: { ce_id: `evt-${customer}-${round}`, 'x-unicode': 'grüße' },
          timestamp: RECORD_TIME + customer * 1_000 + round,
        });
      }
    }
    await producer.send(sent);

    const received: ConsumedMessage[] = [];
    await startRunner(
      {
        handle: (message) => {
          received.push(message);
          return forward(output)(message);
        },
      },
      { topics: [input] },
    );
    await waitFor('every message handled', () => received.length >= sent.length);

    expect(received).toHaveLength(sent.length);
    for (const record of sent) {
      const message = received.find((m) => m.headers['ce_id'] === record.headers?.['ce_id']);
      expect(message).toBeDefined();
      expect(text(message!.key)).toBe(record.key);
      expect(text(message!.value)).toBe(record.value);
      expect(message!.timestamp).toBe(record.timestamp);
      expect(message!.headers['x-unicode']).toBe('grüße');
    }
    const partitionsOf = (key: string) =>
      new Set(received.filter((m) => text(m.key) === key).map((m) => m.partition));
    for (let customer = 0; customer < 6; customer += 1) {
      expect(partitionsOf(`cust-${customer}`).size).toBe(1);
      const rounds = received
        .filter((m) => text(m.key) === `cust-${customer}`)
        .map((m) => (JSON.parse(text(m.value)!) as { round: number }).round);
      expect(rounds).toEqual([0, 1]);
    }
    expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);

    // What the handler returned went through the runner's producer just as intact.
    const forwarded = await waitForMessages(kafka, output, sent.length);
    expect(
      forwarded.map((m) => [text(m.key), text(m.value), m.headers['ce_id'], m.timestamp]).sort(),
    ).toEqual(sent.map((r) => [r.key, r.value, r.headers?.['ce_id'], r.timestamp]).sort());
  });

  it('dead-letters a poison message with every DLQ header and the original record, and goes on', async () => {
    const { input, output } = await testTopics('poison');
    const before = Date.now();
    await producer.send(
      ['ok-1', 'poison', 'ok-2', 'ok-3'].map((value) => ({
        topic: input,
        key: 'cust-1',
        value,
        headers: { ce_id: value, origin: 'integration' },
        timestamp: RECORD_TIME,
      })),
    );
    const attempts = new Map<string, number>();
    const groupId = uniqueName('poison');
    await startRunner(
      {
        handle: (message) => {
          const value = text(message.value)!;
          attempts.set(value, (attempts.get(value) ?? 0) + 1);
          if (value === 'poison')
            throw new PoisonMessageError(
              'data.lines[0].quantity: must be greater than 0',
              'ContractViolation',
            );
          return forward(output)(message);
        },
      },
      { topics: [input], groupId },
    );

    const processed = await waitForMessages(kafka, output, 3);
    expect(processed.map((m) => text(m.value))).toEqual(['ok-1', 'ok-2', 'ok-3']);
    const [dead] = await deadLettersFrom(input, 1);
    expect(attempts.get('poison')).toBe(1);

    expect(text(dead!.key)).toBe('cust-1');
    expect(text(dead!.value)).toBe('poison');
    expect(dead!.timestamp).toBe(RECORD_TIME);
    expect(dead!.headers).toMatchObject({
      ce_id: 'poison',
      origin: 'integration',
      [DLQ_HEADER.errorClass]: 'ContractViolation',
      [DLQ_HEADER.errorMessage]: 'data.lines[0].quantity: must be greater than 0',
      [DLQ_HEADER.sourceTopic]: input,
      [DLQ_HEADER.sourcePartition]: '0',
      [DLQ_HEADER.sourceOffset]: '1',
      [DLQ_HEADER.service]: 'kafka-it',
      [DLQ_HEADER.attempts]: '1',
    });
    const firstFailure = Date.parse(dead!.headers[DLQ_HEADER.firstFailureTime]!);
    const deadLetteredAt = Date.parse(dead!.headers[DLQ_HEADER.deadLetteredAt]!);
    expect(firstFailure).toBeGreaterThanOrEqual(before);
    expect(deadLetteredAt).toBeGreaterThanOrEqual(firstFailure);
    expect(deadLetteredAt).toBeLessThanOrEqual(Date.now());

    expect(readDeadLetter(dead!)).toEqual({
      kind: 'message',
      errorClass: 'ContractViolation',
      errorMessage: 'data.lines[0].quantity: must be greater than 0',
      sourceTopic: input,
      sourcePartition: 0,
      sourceOffset: '1',
      service: 'kafka-it',
      attempts: 1,
      firstFailureTime: dead!.headers[DLQ_HEADER.firstFailureTime],
      originalHeaders: { ce_id: 'poison', origin: 'integration' },
    });
    await waitFor(
      'the whole partition committed',
      async () => (await committed(groupId, input)).get(0)?.offset === '4',
    );
  });

  it('dead-letters a message whose handler always throws after maxAttempts, and goes on', async () => {
    const { input, output } = await testTopics('always-fails');
    await producer.send(['a', 'broken', 'b'].map((value) => ({ topic: input, key: 'k', value })));
    const attempts = new Map<string, number>();
    await startRunner(
      {
        handle: (message) => {
          const value = text(message.value)!;
          attempts.set(value, (attempts.get(value) ?? 0) + 1);
          if (value === 'broken') throw new Error(`cannot handle ${value}`);
          return forward(output)(message);
        },
      },
      { topics: [input], maxAttempts: 3 },
    );

    expect((await waitForMessages(kafka, output, 2)).map((m) => text(m.value))).toEqual(['a', 'b']);
    const [dead] = await deadLettersFrom(input, 1);
    expect(attempts.get('broken')).toBe(3);
    expect(text(dead!.value)).toBe('broken');
    expect(text(dead!.key)).toBe('k');
    expect(readDeadLetter(dead!)).toMatchObject({
      errorClass: 'Error',
      errorMessage: 'cannot handle broken',
      sourceTopic: input,
      sourcePartition: 0,
      sourceOffset: '1',
      attempts: 3,
    });
    expect(Date.parse(dead!.headers[DLQ_HEADER.deadLetteredAt]!)).toBeGreaterThan(
      Date.parse(dead!.headers[DLQ_HEADER.firstFailureTime]!),
    );
  });

  it('retries a handler that fails twice and applies its effect exactly once', async () => {
    const { input, output } = await testTopics('flaky');
    await producer.send(['before', 'flaky', 'after'].map((value) => ({ topic: input, key: 'k', value })));
    let flakyCalls = 0;
    const groupId = uniqueName('flaky');
    await startRunner(
      {
        handle: (message) => {
          if (text(message.value) === 'flaky') {
            flakyCalls += 1;
            if (flakyCalls <= 2) throw new Error(`flaky failure ${flakyCalls}`);
          }
          return forward(output)(message);
        },
      },
      { topics: [input], groupId },
    );

    await waitFor(
      'the partition committed',
      async () => (await committed(groupId, input)).get(0)?.offset === '3',
    );
    expect(flakyCalls).toBe(3);
    expect((await readAll(kafka, output)).map((m) => text(m.value))).toEqual(['before', 'flaky', 'after']);
    const dead = (await readAll(kafka, topics.names.deadLetter)).filter(
      (m) => m.headers[DLQ_HEADER.sourceTopic] === input,
    );
    expect(dead).toEqual([]);
  });

  it('retries a transient failure without dead-lettering it, committing nothing past it meanwhile', async () => {
    const { input, output } = await testTopics('transient');
    let outage = true;
    let blockedCalls = 0;
    const groupId = uniqueName('transient');
    await startRunner(
      {
        handle: (message) => {
          if (text(message.value) === 'blocked') {
            blockedCalls += 1;
            if (outage) throw new TransientError('InfluxDB unavailable', 50);
          }
          return forward(output)(message);
        },
      },
      { topics: [input], groupId, maxAttempts: 2 },
    );
    await producer.send([{ topic: input, key: 'k', value: 'first' }]);
    await waitFor(
      'the first message committed',
      async () => (await committed(groupId, input)).get(0)?.offset === '1',
    );

    await producer.send(['blocked', 'after'].map((value) => ({ topic: input, key: 'k', value })));
    await waitFor('several attempts past maxAttempts', () => blockedCalls >= 6);
    expect((await committed(groupId, input)).get(0)?.offset).toBe('1');
    expect((await readAll(kafka, output)).map((m) => text(m.value))).toEqual(['first']);

    outage = false;
    await waitFor(
      'everything committed after the outage',
      async () => (await committed(groupId, input)).get(0)?.offset === '3',
    );
    expect((await readAll(kafka, output)).map((m) => text(m.value))).toEqual(['first', 'blocked', 'after']);
    const dead = (await readAll(kafka, topics.names.deadLetter)).filter(
      (m) => m.headers[DLQ_HEADER.sourceTopic] === input,
    );
    expect(dead).toEqual([]);
  });

  it('with a commit interval, commits a quiet partition between fetches and everything on stop', async () => {
    const { input, output } = await testTopics('commit-interval');
    const groupId = uniqueName('commit-interval');
    const runner = await startRunner(
      { handle: forward(output) },
      { topics: [input], groupId, commitIntervalMs: 4_000, maxWaitTimeMs: 200 },
    );
    await producer.send([{ topic: input, key: 'k', value: 'first' }]);
    await waitFor(
      'the first batch committed at once',
      async () => (await committed(groupId, input)).get(0)?.offset === '1',
    );

    await producer.send([{ topic: input, key: 'k', value: 'second' }]);
    await waitFor('the second message forwarded', async () => (await readAll(kafka, output)).length === 2);
    // Within the interval of the first commit: deferred, not lost.
    expect((await committed(groupId, input)).get(0)?.offset).toBe('1');
    // Nothing else arrives, yet a fetch after the interval commits it.
    await waitFor(
      'the deferred position committed between fetches',
      async () => (await committed(groupId, input)).get(0)?.offset === '2',
    );

    await producer.send(['third', 'fourth'].map((value) => ({ topic: input, key: 'k', value })));
    await waitFor('four messages forwarded', async () => (await readAll(kafka, output)).length === 4);
    await runner.stop();
    expect((await committed(groupId, input)).get(0)?.offset).toBe('4');
  });

  it('commits the offset and metadata that afterBatch returns', async () => {
    const { input } = await testTopics('commit-point');
    await producer.send(['m0', 'm1', 'm2', 'm3', 'm4'].map((value) => ({ topic: input, key: 'k', value })));
    const groupId = uniqueName('commit-point');
    const lastHandled: string[] = [];
    const handled: string[] = [];
    const partitions: unknown[] = [];
    await startRunner(
      { handle: (message) => void handled.push(text(message.value)!) },
      { topics: [input], groupId },
      {
        afterBatch: async (partition, lastHandledOffset) => {
          partitions.push(partition);
          lastHandled.push(lastHandledOffset);
          return {
            offset: '2',
            metadata: JSON.stringify({ watermark: '2026-11-24T10:00:00Z', lastHandledOffset }),
          };
        },
      },
    );
    await waitFor('all five handled', () => lastHandled.includes('4'));
    expect(new Set(partitions.map((partition) => JSON.stringify(partition)))).toEqual(
      new Set([JSON.stringify({ topic: input, partition: 0 })]),
    );
    await waitFor('the commit point stored', async () =>
      (await committed(groupId, input)).get(0)?.metadata?.includes('"lastHandledOffset":"4"'),
    );
    expect((await committed(groupId, input)).get(0)).toEqual({
      offset: '2',
      metadata: JSON.stringify({ watermark: '2026-11-24T10:00:00Z', lastHandledOffset: '4' }),
    });
    expect(handled).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);

    // A new member of the group resumes at the commit point: it replays from offset 2 (Kappa rebuild).
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    const replayed: string[] = [];
    await startRunner(
      { handle: (message) => void replayed.push(text(message.value)!) },
      { topics: [input], groupId },
    );
    await waitFor('the replay from the commit point', () => replayed.length >= 3);
    expect(replayed).toEqual(['m2', 'm3', 'm4']);
  });
});
