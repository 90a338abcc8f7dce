import { join } from 'node:path';
import { declaredTopics, topicNames } from '@pulse/kafka';
import { readAll, stack, uniqueName, testKafka } from '@pulse/testing';
import { runCli, type CliContext } from './cli';
import * as reference from './commands/reference';
import * as topics from './commands/topics';

const SAMPLE = join(__dirname, '../../../deploy/sample-data');

function capture(env: Record<string, string>): CliContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

describe('pulse CLI against the local Kafka', () => {
  const kafka = testKafka();
  const prefixes: string[] = [];
  const run = (context: CliContext, ...args: string[]) =>
    runCli([topics, reference], ['node', 'pulse', ...args], context);

  /** A topic prefix of the test's own, so no test depends on what another one created. */
  function ownTopics(label: string) {
    const prefix = `${uniqueName(label)}.`;
    prefixes.push(prefix);
    const env = {
      PULSE_TOPIC_PREFIX: prefix,
      PULSE_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      PULSE_TOPIC_PARTITIONS: '2',
    };
    return { prefix, env, names: topicNames(prefix) };
  }

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    const existing = (await admin.listTopics()).filter((topic) =>
      prefixes.some((prefix) => topic.startsWith(prefix)),
    );
    if (existing.length > 0) await admin.deleteTopics({ topics: existing });
    await admin.disconnect();
  });

  it('creates the declared topics once, then finds them', async () => {
    const { prefix, env, names } = ownTopics('cli-topics');
    const first = capture(env);
    expect(await run(first, 'topics', 'ensure')).toBe(0);
    expect(first.stdout).toHaveLength(declaredTopics({ prefix, partitions: 2, replicationFactor: 1 }).length);
    expect(first.stdout.every((line) => line.startsWith('created'))).toBe(true);
    expect(first.stdout).toContain(`created   ${names.referenceProducts}`);

    const second = capture(env);
    expect(await run(second, 'topics', 'ensure')).toBe(0);
    expect(second.stdout.every((line) => line.startsWith('exists'))).toBe(true);

    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [names.eventsRaw] });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: names.referenceCustomers, configNames: ['cleanup.policy'] }],
    });
    await admin.disconnect();
    expect(metadata.topics[0]!.partitions).toHaveLength(2);
    expect(configs.resources[0]!.configEntries[0]!.configValue).toBe('compact');
  });

  it('loads the sample data keyed by id, and deletes with a tombstone', async () => {
    const { env, names } = ownTopics('cli-reference');
    expect(await run(capture(env), 'topics', 'ensure')).toBe(0);
    const load = capture(env);
    const code = await run(
      load,
      'reference',
      'load',
      '--products',
      join(SAMPLE, 'products.json'),
      '--customers',
      join(SAMPLE, 'customers.csv'),
    );
    expect(load.stderr.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(code).toBe(0);
    expect(load.stdout).toEqual([
      `loaded 300 products into ${names.referenceProducts}`,
      `loaded 3000 customers into ${names.referenceCustomers}`,
    ]);

    const products = await readAll(kafka, names.referenceProducts);
    expect(products).toHaveLength(300);
    const first = products.find((message) => message.key?.toString() === 'p-0001');
    expect(JSON.parse(first!.value!.toString('utf8'))).toMatchObject({ id: 'p-0001', currency: 'USD' });
    const customers = await readAll(kafka, names.referenceCustomers);
    expect(customers).toHaveLength(3000);
    expect(new Set(customers.map((message) => message.key?.toString())).size).toBe(3000);

    const remove = capture(env);
    expect(await run(remove, 'reference', 'delete', 'products', 'p-0001')).toBe(0);
    const after = await readAll(kafka, names.referenceProducts);
    const tombstone = after.filter((message) => message.key?.toString() === 'p-0001').at(-1);
    expect(tombstone?.value).toBeNull();
  });
});
