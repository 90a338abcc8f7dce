import { decodeCommitMetadata, encodeCommitMetadata } from '@pulse/contracts';
import {
  deadLetterRecord,
  partitionBounds,
  resetGroupOffsets,
  sendAtomically,
  undeliveredOutputRecord,
  type ConsumedMessage,
} from '@pulse/kafka';
import { createTestTopics, readAll, stack, uniqueName, waitFor, type TestTopics } from '@pulse/testing';
import { runCli, type CliContext, type CommandModule } from '../cli';
import * as dlq from './dlq';
import * as reprocess from './reprocess';

const COMMANDS: readonly CommandModule[] = [dlq, reprocess];

async function cli(topics: TestTopics, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    env: { PULSE_TOPIC_PREFIX: topics.prefix, PULSE_KAFKA_BROKERS: stack.kafkaBrokers.join(',') },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const code = await runCli(COMMANDS, ['node', 'pulse', ...args], context);
  return { code, out, err };
}

/** Dead letters of events.raw records at the given offsets, as enrichment writes them. */
async function writeDeadLetters(
  topics: TestTopics,
  letters: readonly (readonly [offset: number, errorClass: string])[],
): Promise<void> {
  const failed = (offset: number): ConsumedMessage => ({
    topic: topics.names.eventsRaw,
    partition: 0,
    offset: String(offset),
    key: Buffer.from(`cust-${offset}`),
    value: Buffer.from(`{"bad":${offset}`),
    headers: { ce_id: `e-${offset}` },
    timestamp: Date.now(),
  });
  const records = letters.map(([offset, errorClass]) =>
    deadLetterRecord(topics.names.deadLetter, 'enrichment', failed(offset), {
      errorClass,
      errorMessage: 'not valid JSON',
      attempts: 1,
      firstFailureTime: new Date(),
    }),
  );
  // Idempotent: a retried request (fresh topics' leaders still settling) must not write a letter twice.
  const producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic: topics.names.deadLetter,
      messages: records.map((record) => ({
        key: record.key,
        value: record.value,
        headers: record.headers,
        timestamp: String(record.timestamp),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Kafka answers a transaction's commit before it has written its markers, and read_committed
 * readers see the records only after them; claiming the re-drive's transactional id waits
 * until they are written.
 */
async function untilRedrivesVisible(topics: TestTopics): Promise<void> {
  await sendAtomically(topics.kafka, `${topics.prefix}pulse-cli-dlq-redrive`, async () => []);
}

describe('pulse dlq and pulse reprocess (real Kafka)', () => {
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await createTestTopics('cli-dlq');
  });
  afterAll(async () => {
    await topics.cleanup();
  });

  it('inspects the dead-letter topic and re-drives what matches to the source topic', async () => {
    await writeDeadLetters(topics, [
      [1, 'ContractViolation'],
      [2, 'ContractViolation'],
      [3, 'TimeoutError'],
    ]);

    const inspected = await cli(topics, 'dlq', 'inspect', '--json');
    expect(inspected.code).toBe(0);
    expect(inspected.err).toEqual([`3 dead-letter record(s) shown from ${topics.names.deadLetter}`]);
    const shown = inspected.out.map(
      (line) => JSON.parse(line) as { errorClass: string; sourceTopic: string; value: string },
    );
    expect(shown.map((entry) => entry.errorClass).sort()).toEqual([
      'ContractViolation',
      'ContractViolation',
      'TimeoutError',
    ]);
    expect(shown.every((entry) => entry.sourceTopic === topics.names.eventsRaw)).toBe(true);

    const dryRun = await cli(topics, 'dlq', 'redrive', '--error-class', 'ContractViolation', '--dry-run');
    expect(dryRun.out.at(-1)).toBe(`dry run: would re-drive 2 record(s) (2 to ${topics.names.eventsRaw})`);

    const redriven = await cli(
      topics,
      'dlq',
      'redrive',
      '--source-topic',
      'events.raw',
      '--error-class',
      'ContractViolation',
    );
    expect(redriven.code).toBe(0);
    await untilRedrivesVisible(topics);
    const raw = await readAll(topics.kafka, topics.names.eventsRaw);
    expect(raw.map((message) => message.value?.toString()).sort()).toEqual(['{"bad":1', '{"bad":2']);
    expect(
      raw.every((message) => message.headers[dlq.REDRIVEN_FROM_HEADER]?.startsWith(topics.names.deadLetter)),
    ).toBe(true);
    expect(
      raw.every((message) => Object.keys(message.headers).every((name) => !name.startsWith('pulse-dlq-'))),
    ).toBe(true);

    // Again, as an operator would who is not sure the first run went through (or, days later,
    // past the dedupe horizon, where a second copy would count twice): nothing goes back twice.
    const again = await cli(topics, 'dlq', 'redrive', '--source-topic', 'events.raw');
    expect(again.code).toBe(0);
    expect(again.err).toContain('skipped 2 record(s) re-driven before (each goes back once)');
    expect(again.out.at(-1)).toBe(`re-drove 1 record(s) (1 to ${topics.names.eventsRaw})`);
    const once = await cli(topics, 'dlq', 'redrive');
    expect(once.out.at(-1)).toBe('re-drove 0 record(s)');
    const rawAfter = await readAll(topics.kafka, topics.names.eventsRaw);
    expect(rawAfter.map((message) => message.value?.toString()).sort()).toEqual([
      '{"bad":1',
      '{"bad":2',
      '{"bad":3',
    ]);
  });

  it('sends each record back once when two re-drives run at the same time', async () => {
    const own = await createTestTopics('cli-dlq-race');
    try {
      let written = 0;
      for (let round = 1; round <= 3; round += 1) {
        const letters = Array.from(
          { length: 4 },
          (_, index) => [round * 10 + index, 'ContractViolation'] as const,
        );
        await writeDeadLetters(own, letters);
        written += letters.length;
        const runs = await Promise.all([cli(own, 'dlq', 'redrive'), cli(own, 'dlq', 'redrive')]);
        const succeeded = runs.filter((run) => run.code === 0);
        expect(succeeded.length).toBeGreaterThan(0);
        // A run that lost the race says so and sent nothing.
        for (const run of runs.filter((each) => each.code !== 0))
          expect(run.err.join('\n')).toContain('another `pulse dlq redrive` took over');
        const sent = succeeded.map((run) => Number(/re-drove (\d+)/.exec(run.out.at(-1) ?? '')?.[1]));
        expect(sent.reduce((sum, count) => sum + count, 0)).toBe(letters.length);
        await untilRedrivesVisible(own);
        const raw = await readAll(own.kafka, own.names.eventsRaw);
        expect(raw).toHaveLength(written);
        expect(new Set(raw.map((message) => message.value?.toString())).size).toBe(written);
      }
    } finally {
      await own.cleanup();
    }
  });

  it('does not re-drive output a service could not deliver: it has no source message to put back', async () => {
    const producer = topics.kafka.producer();
    await producer.connect();
    const record = undeliveredOutputRecord(
      topics.names.deadLetter,
      'aggregation',
      {
        key: null,
        value: 'product_sales,product_id=x value=1i 1',
        sourceTopic: topics.names.eventsEnriched,
        sourcePartition: 0,
        sourceOffset: '41',
      },
      {
        errorClass: 'InfluxRejectedError',
        errorMessage: 'field type conflict',
        attempts: 1,
        firstFailureTime: new Date(),
      },
    );
    await producer.send({
      topic: record.topic,
      messages: [{ key: record.key, value: record.value, headers: record.headers }],
    });
    await producer.disconnect();
    const before = await readAll(topics.kafka, topics.names.eventsEnriched);
    const redriven = await cli(topics, 'dlq', 'redrive');
    expect(redriven.code).toBe(0);
    expect(redriven.err.join('\n')).toContain('skipped 1 record(s) of output a service could not deliver');
    expect(await readAll(topics.kafka, topics.names.eventsEnriched)).toHaveLength(before.length);
  });

  it('moves a stopped group back to the first record at a time, and refuses while the group runs', async () => {
    const group = uniqueName('cli-reprocess');
    // Recent record times: Kafka's time-based retention (24 h locally) would delete older ones
    // at its next check, and the lookup by time would then find nothing.
    const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
    const producer = topics.kafka.producer();
    await producer.connect();
    // Ten enriched events a minute apart, all on partition 1: record timestamps are event times.
    await producer.send({
      topic: topics.names.eventsEnriched,
      messages: Array.from({ length: 10 }, (_, index) => ({
        partition: 1,
        key: 'c',
        value: `{"n":${index}}`,
        timestamp: String(base + index * 60_000),
      })),
    });
    await producer.disconnect();
    const ends = await partitionBounds(topics.admin, topics.names.eventsEnriched);
    await topics.admin.setOffsets({
      groupId: group,
      topic: topics.names.eventsEnriched,
      partitions: [...ends].map(([partition, { high }]) => ({ partition, offset: high })),
    });
    // Partition 2 stands as a lagging aggregation left it: windows up to 12:00 written final.
    const lagging = encodeCommitMetadata({ maxEventTime: base + 60_000, frontier: base });
    await resetGroupOffsets(
      topics.kafka,
      topics.admin,
      group,
      topics.names.eventsEnriched,
      new Map([[2, { offset: '0', metadata: lagging }]]),
    );

    // From 12:05:30 with a 2 minute lead-in: reading starts at 12:04, the fifth record (offset 4).
    const moved = await cli(
      topics,
      'reprocess',
      '--group',
      group,
      '--topic',
      'events.enriched',
      '--from',
      at(5.5),
      '--lead-in',
      '2m',
    );
    expect(moved.code).toBe(0);
    expect(moved.out).toContain('  partition 1: 10 → 4');
    expect(moved.out.join('\n')).toContain(`partition 2: kept at 0 (its windows after ${at(0)}`);
    const [committed] = await topics.admin.fetchOffsets({
      groupId: group,
      topics: [topics.names.eventsEnriched],
    });
    const positions = new Map(
      (committed?.partitions ?? []).map(({ partition, offset, metadata }) => [
        partition,
        { offset, metadata },
      ]),
    );
    expect(positions.get(1)?.offset).toBe('4');
    // Aggregation's replay metadata: windows ending at or before 12:05:30 are left as they are.
    const replay = { maxEventTime: Number.NEGATIVE_INFINITY, frontier: Date.parse(at(5.5)) };
    expect(decodeCommitMetadata(positions.get(1)?.metadata)).toEqual(replay);
    expect(positions.get(2)).toEqual({ offset: '0', metadata: lagging });
    // The other partitions are empty: they move to their end, with the same metadata.
    const others = [...positions].filter(([partition]) => partition !== 1 && partition !== 2);
    expect(others.length).toBeGreaterThan(0);
    for (const [, position] of others) {
      expect(position.offset).toBe('0');
      expect(decodeCommitMetadata(position.metadata)).toEqual(replay);
    }

    const consumer = topics.kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.names.eventsEnriched] });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.run({ eachMessage: async () => undefined });
    try {
      await waitFor('the consumer to join', () => joined);
      const refused = await cli(
        topics,
        'reprocess',
        '--group',
        group,
        '--topic',
        'events.enriched',
        '--from',
        at(0),
      );
      expect(refused.code).toBe(1);
      expect(refused.err.join('\n')).toMatch(/is Stable: stop \(or scale to zero\) the service/);
    } finally {
      await consumer.disconnect();
    }
  });
});
