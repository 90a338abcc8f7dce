import type { Admin } from 'kafkajs';
import { TOPIC, declaredTopics, ensureTopics, topicNames, type TopicSpec } from './topics';

describe('topicNames', () => {
  it('prefixes every logical topic', () => {
    const names = topicNames('staging.');
    expect(names.eventsRaw).toBe('staging.events.raw');
    expect(names.deadLetter).toBe('staging.dead-letter');
    expect(Object.keys(names).sort()).toEqual(Object.keys(TOPIC).sort());
    expect(Object.values(names).every((name) => name.startsWith('staging.'))).toBe(true);
  });

  it('uses the bare names without a prefix', () => {
    expect(topicNames('').referenceProducts).toBe('reference.products');
  });
});

describe('declaredTopics', () => {
  const specs = declaredTopics({ prefix: 'p.', partitions: 6, replicationFactor: 3 });
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const spec = (name: string): TopicSpec => {
    const found = byName.get(`p.${name}`);
    if (!found) throw new Error(`p.${name} is not declared`);
    return found;
  };

  it('declares every topic of the layout once, with the prefix', () => {
    expect(specs.map((s) => s.name).sort()).toEqual(Object.values(topicNames('p.')).sort());
  });

  it('gives every topic the layout partitions and replication, and min ISR 2', () => {
    for (const s of specs) {
      expect(s).toMatchObject({ partitions: 6, replicationFactor: 3 });
      expect(s.config['min.insync.replicas']).toBe('2');
    }
  });

  it('compacts the reference topics, with no compaction lag', () => {
    for (const name of [TOPIC.referenceProducts, TOPIC.referenceCustomers]) {
      expect(spec(name).config).toMatchObject({ 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' });
      expect(spec(name).config['retention.ms']).toBeUndefined();
    }
  });

  it('deletes by time on event, metric, alert and dead-letter topics', () => {
    const days = (name: string) => Number(spec(name).config['retention.ms']) / 86_400_000;
    for (const name of [
      TOPIC.eventsRaw,
      TOPIC.eventsEnriched,
      TOPIC.metricsWindowed,
      TOPIC.alerts,
      TOPIC.deadLetter,
    ]) {
      expect(spec(name).config['cleanup.policy']).toBe('delete');
    }
    expect(days(TOPIC.eventsRaw)).toBe(7);
    expect(days(TOPIC.eventsEnriched)).toBe(14);
    expect(days(TOPIC.deadLetter)).toBe(30);
  });

  it('keeps the producer event time as the record timestamp on events.enriched', () => {
    expect(spec(TOPIC.eventsEnriched).config['message.timestamp.type']).toBe('CreateTime');
  });

  it('lowers min ISR to the replication factor on a single broker', () => {
    for (const s of declaredTopics({ prefix: '', partitions: 1, replicationFactor: 1 })) {
      expect(s.config['min.insync.replicas']).toBe('1');
    }
  });
});

/** An in-memory stand-in for the few admin calls ensureTopics makes; created topics get a leader. */
function fakeAdmin(existing: { name: string; partitions: number; policy: string }[]) {
  const topics = [...existing];
  const metadataOf = (names: string[]) => ({
    topics: topics
      .filter((topic) => names.includes(topic.name))
      .map((topic) => ({
        name: topic.name,
        partitions: Array.from({ length: topic.partitions }, (_, i) => ({ partitionId: i, leader: 1 })),
      })),
  });
  const admin = {
    listTopics: jest.fn(async () => topics.map((topic) => topic.name)),
    createTopics: jest.fn(
      async (options: {
        topics: { topic: string; numPartitions: number; configEntries: { name: string; value: string }[] }[];
      }) => {
        for (const topic of options.topics) {
          const policy =
            topic.configEntries.find((entry) => entry.name === 'cleanup.policy')?.value ?? 'delete';
          topics.push({ name: topic.topic, partitions: topic.numPartitions, policy });
        }
        return true;
      },
    ),
    fetchTopicMetadata: jest.fn(async ({ topics: names }: { topics: string[] }) => metadataOf(names)),
    describeConfigs: jest.fn(async ({ resources }: { resources: { name: string }[] }) => ({
      resources: topics
        .filter((topic) => resources.some((resource) => resource.name === topic.name))
        .map((topic) => ({
          resourceName: topic.name,
          configEntries: [{ configName: 'cleanup.policy', configValue: topic.policy }],
        })),
    })),
  };
  return { admin: admin as unknown as Admin, calls: admin, metadataOf };
}

/** A kafkajs protocol error as the client raises it: the broker's error code name in `type`. */
function protocolError(type: string): Error {
  return Object.assign(new Error(type.toLowerCase().replace(/_/g, ' ')), { type });
}

describe('ensureTopics', () => {
  const specs = declaredTopics({ prefix: 'x.', partitions: 3, replicationFactor: 1 });
  const raw = specs.find((s) => s.name === 'x.events.raw')!;
  const products = specs.find((s) => s.name === 'x.reference.products')!;

  it('creates only the missing topics with their partitions, replication and config', async () => {
    const { admin, calls } = fakeAdmin([{ name: raw.name, partitions: 3, policy: 'delete' }]);
    const result = await ensureTopics(admin, [raw, products]);
    expect(result).toEqual({ created: [products.name], existing: [raw.name] });
    expect(calls.createTopics).toHaveBeenCalledWith({
      waitForLeaders: false,
      topics: [
        {
          topic: products.name,
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: expect.arrayContaining([{ name: 'cleanup.policy', value: 'compact' }]),
        },
      ],
    });
  });

  it('creates nothing when everything exists as declared', async () => {
    const { admin, calls } = fakeAdmin([
      { name: raw.name, partitions: 3, policy: 'delete' },
      { name: products.name, partitions: 5, policy: 'compact' },
    ]);
    expect(await ensureTopics(admin, [raw, products])).toEqual({
      created: [],
      existing: [raw.name, products.name],
    });
    expect(calls.createTopics).not.toHaveBeenCalled();
  });

  it('names a topic with fewer partitions than declared', async () => {
    const { admin } = fakeAdmin([{ name: raw.name, partitions: 1, policy: 'delete' }]);
    await expect(ensureTopics(admin, [raw])).rejects.toThrow(
      'Kafka topics differ from the declared layout: x.events.raw has 1 partitions, 3 declared',
    );
  });

  it('names a topic whose cleanup policy differs', async () => {
    const { admin } = fakeAdmin([
      { name: products.name, partitions: 3, policy: 'delete' },
      { name: raw.name, partitions: 2, policy: 'delete' },
    ]);
    await expect(ensureTopics(admin, [products, raw])).rejects.toThrow(
      'Kafka topics differ from the declared layout: x.reference.products has cleanup.policy=delete, compact declared; ' +
        'x.events.raw has 2 partitions, 3 declared',
    );
  });

  it('waits for the new topics to have leaders, through the errors a KRaft broker gives meanwhile', async () => {
    const { admin, calls, metadataOf } = fakeAdmin([]);
    calls.fetchTopicMetadata
      .mockRejectedValueOnce(protocolError('UNKNOWN_TOPIC_OR_PARTITION'))
      .mockRejectedValueOnce(protocolError('LEADER_NOT_AVAILABLE'))
      .mockResolvedValueOnce({ topics: [{ name: raw.name, partitions: [{ partitionId: 0, leader: -1 }] }] })
      .mockImplementation(async ({ topics }: { topics: string[] }) => metadataOf(topics));
    await expect(ensureTopics(admin, [raw])).resolves.toEqual({ created: [raw.name], existing: [] });
    expect(calls.fetchTopicMetadata).toHaveBeenCalledTimes(4);
  });

  it('passes other metadata errors on', async () => {
    const { admin, calls } = fakeAdmin([]);
    calls.fetchTopicMetadata.mockRejectedValueOnce(protocolError('TOPIC_AUTHORIZATION_FAILED'));
    await expect(ensureTopics(admin, [raw])).rejects.toThrow('topic authorization failed');
  });

  it('lets a concurrent creation by another instance pass', async () => {
    const { admin, calls } = fakeAdmin([]);
    const create = calls.createTopics.getMockImplementation()!;
    calls.createTopics.mockImplementationOnce(async (options) => {
      await create(options); // the other instance won the race
      throw new Error('Topic with this name already exists');
    });
    await expect(ensureTopics(admin, [raw])).resolves.toEqual({ created: [raw.name], existing: [] });
  });

  it('passes other creation errors on', async () => {
    const { admin, calls } = fakeAdmin([]);
    calls.createTopics.mockRejectedValueOnce(new Error('Not authorized'));
    await expect(ensureTopics(admin, [raw])).rejects.toThrow('Not authorized');
  });
});
