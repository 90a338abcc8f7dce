import type { Admin, Kafka } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
// @pulse/testing builds on @pulse/kafka; this test-only import is the one accepted cycle.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { testKafka, uniqueName } from '@pulse/testing';
import { TOPIC, declaredTopics, ensureTopics, type TopicSpec } from './topics';

describe('ensureTopics against the local Kafka', () => {
  let kafka: Kafka;
  let admin: Admin;
  const created: string[] = [];

  /** The declared layout under a prefix of the test's own: no test relies on another's topics. */
  function ownLayout(label: string) {
    const prefix = `${uniqueName(label)}.`;
    const specs = declaredTopics({ prefix, partitions: 2, replicationFactor: 1 });
    created.push(...specs.map((spec) => spec.name));
    const named = (name: string): TopicSpec => specs.find((spec) => spec.name === `${prefix}${name}`)!;
    return { prefix, specs, named };
  }

  beforeAll(async () => {
    kafka = testKafka('pulse-test-topics');
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    const existing = new Set(await admin.listTopics());
    const ours = created.filter((name) => existing.has(name));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 10_000 }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('creates the declared layout with its partitions and cleanup policies', async () => {
    const { prefix, specs } = ownLayout('kafka-topics-create');
    const result = await ensureTopics(admin, specs);
    expect(result).toEqual({ created: specs.map((spec) => spec.name), existing: [] });

    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
    for (const topic of metadata.topics) expect(topic.partitions).toHaveLength(2);

    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [TOPIC.referenceProducts, TOPIC.eventsRaw].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name: `${prefix}${name}`,
        configNames: ['cleanup.policy', 'retention.ms'],
      })),
    });
    const config = (name: string, key: string) =>
      configs.resources
        .find((resource) => resource.resourceName === `${prefix}${name}`)
        ?.configEntries.find((entry) => entry.configName === key)?.configValue;
    expect(config(TOPIC.referenceProducts, 'cleanup.policy')).toBe('compact');
    expect(config(TOPIC.eventsRaw, 'cleanup.policy')).toBe('delete');
    expect(config(TOPIC.eventsRaw, 'retention.ms')).toBe(String(7 * 86_400_000));
  });

  it('is idempotent: a second run creates nothing and accepts what exists', async () => {
    const { specs } = ownLayout('kafka-topics-again');
    expect((await ensureTopics(admin, specs)).created).toHaveLength(specs.length);
    expect(await ensureTopics(admin, specs)).toEqual({
      created: [],
      existing: specs.map((spec) => spec.name),
    });
  });

  it('reports a topic with fewer partitions than declared, naming it', async () => {
    const { prefix, named } = ownLayout('kafka-topics-narrow');
    await ensureTopics(admin, [named(TOPIC.eventsRaw)]);
    const wider = { ...named(TOPIC.eventsRaw), partitions: 4 };
    await expect(ensureTopics(admin, [wider])).rejects.toThrow(
      `Kafka topics differ from the declared layout: ${prefix}events.raw has 2 partitions, 4 declared`,
    );
  });

  it('reports a topic whose cleanup policy differs from the declaration', async () => {
    const { prefix, named } = ownLayout('kafka-topics-policy');
    await ensureTopics(admin, [named(TOPIC.alerts)]);
    const compacted = { ...named(TOPIC.alerts), config: { 'cleanup.policy': 'compact' } };
    await expect(ensureTopics(admin, [compacted])).rejects.toThrow(
      `${prefix}alerts has cleanup.policy=delete, compact declared`,
    );
  });
});
