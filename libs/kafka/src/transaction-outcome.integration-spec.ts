import type { Kafka, Producer } from 'kafkajs';
import pino from 'pino';
// @pulse/testing builds on @pulse/kafka; this test-only import is the one accepted cycle.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestTopics, readAll, stack, uniqueName, type TestTopics } from '@pulse/testing';
import { KafkaAdmin } from './admin';
import { createKafka } from './connection';
import { TransactionFencedError } from './errors';
import { sendAtomically } from './producer';
import { readTransactionOutcome, type TransactionWrite } from './transaction-outcome';

const logger = pino({ level: process.env['PULSE_LOG_LEVEL'] ?? 'silent' });

describe('a transaction whose commit got no clear answer, settled from the log', () => {
  let topics: TestTopics;
  let kafka: Kafka;
  let admin: KafkaAdmin;
  const producers: Producer[] = [];

  beforeAll(async () => {
    topics = await createTestTopics('kafka-txn');
    kafka = createKafka({ brokers: [...stack.kafkaBrokers], clientId: uniqueName('kafka-txn') }, logger);
    admin = await KafkaAdmin.connect(kafka);
  });

  afterEach(async () => {
    await Promise.all(producers.splice(0).map((producer) => producer.disconnect()));
  });

  afterAll(async () => {
    await admin?.disconnect();
    await topics?.cleanup();
  });

  async function transactional(transactionalId: string): Promise<Producer> {
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    producers.push(producer);
    await producer.connect();
    return producer;
  }

  /** Opens a transaction under `transactionalId` holding one record; returns it and where it went. */
  async function openTransaction(transactionalId: string) {
    const transaction = await (await transactional(transactionalId)).transaction();
    const topic = topics.names.eventsRaw;
    const [metadata] = await transaction.send({ topic, messages: [{ key: 'k', value: transactionalId }] });
    const write: TransactionWrite = { topic, partition: metadata!.partition, offset: metadata!.baseOffset! };
    return { transaction, write };
  }

  it('waits while the transaction is open, and says committed once it commits', async () => {
    const { transaction, write } = await openTransaction(uniqueName('txn-commit'));
    let settled = false;
    const outcome = readTransactionOutcome(admin, write, { waitMs: 30_000 }).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(settled).toBe(false);
    await transaction.commit();
    await expect(outcome).resolves.toBe('committed');
  });

  it('says aborted once another writer claiming the id fenced the transaction', async () => {
    const transactionalId = uniqueName('txn-fence');
    const { write } = await openTransaction(transactionalId);
    const outcome = readTransactionOutcome(admin, write, { waitMs: 30_000 });
    await (await transactional(transactionalId)).transaction();
    await expect(outcome).resolves.toBe('aborted');
  });

  it('says unknown while the transaction is still open at the end of the wait', async () => {
    const { transaction, write } = await openTransaction(uniqueName('txn-open'));
    await expect(readTransactionOutcome(admin, write, { waitMs: 1_500 })).resolves.toBe('unknown');
    await transaction.abort();
  });

  // The coordinator answers a commit that meets a writer claiming the id with a fence, with a
  // "concurrent transactions" error, or with a server error (while it moves the id to the next
  // epoch), depending on the instant. Whichever it is, the writer learns what happened.
  it('tells each writer racing a claim on its id whether its records landed, and they land once', async () => {
    const transactionalId = uniqueName('txn-race');
    const landed: string[] = [];
    const refused: string[] = [];
    for (let round = 0; round < 120; round += 1) {
      const value = `race-${round}`;
      // kafkajs claims the id once per producer: each round's claimer is new.
      const claimer = await transactional(transactionalId);
      let composed: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => (composed = resolve));
      const send = sendAtomically(kafka, transactionalId, async () => {
        composed();
        return [{ topic: topics.names.eventsRaw, key: value, value }];
      });
      await ready;
      // The claim lands somewhere between the first write and the commit's answer.
      await new Promise((resolve) => setTimeout(resolve, round % 12));
      const claim = claimer.transaction().then((transaction) => transaction.commit());
      // Settled both ways, the round's transaction has ended: a claim waits for a commit to complete.
      const [result] = await Promise.allSettled([send, claim]);
      await producers.splice(producers.indexOf(claimer), 1)[0]?.disconnect();
      if (result.status === 'fulfilled') landed.push(value);
      else if (result.reason instanceof TransactionFencedError) refused.push(value);
      else throw result.reason;
    }
    const values = (await readAll(kafka, topics.names.eventsRaw))
      .map((message) => message.value?.toString() ?? '')
      .filter((value) => value.startsWith('race-'));
    expect(values.sort()).toEqual(landed.sort());
    expect(landed.length + refused.length).toBe(120);
  });
});
