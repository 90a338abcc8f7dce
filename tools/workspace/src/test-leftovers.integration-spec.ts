import { randomBytes } from 'node:crypto';
import { InfluxClient } from '@pulse/influx';
import { stack, startInfluxV2Api, testKafka, uniqueName } from '@pulse/testing';

const { removeTestLeftovers } = require('../test-leftovers.cjs') as {
  removeTestLeftovers(options: {
    brokers: string[];
    influxUrl: string;
    optionalInfluxUrls?: string[];
    now?: number;
    maxAgeMs?: number;
  }): Promise<{ topics: number; groups: number; databases: number; errors: string[] }>;
};

const HOUR = 60 * 60 * 1000;

/** The stack's InfluxDB, or the one at `influxUrl`. */
function influx(influxUrl = stack.influxUrl): InfluxClient {
  return new InfluxClient({ url: influxUrl, timeoutMs: 10_000 });
}

/** A group with a committed offset and no members, as a killed test run leaves it. */
async function leaveGroup(groupId: string, topic: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
  } finally {
    await admin.disconnect();
  }
}

describe('removing what killed test runs left (real Kafka and InfluxDB)', () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  // Made two hours ago as far as the name says: a run killed before its clean-up.
  const stale = `t_killed_run_${(Date.now() - 2 * HOUR).toString(36)}_${randomBytes(3).toString('hex')}`;
  const live = uniqueName('live_run');
  let v2ApiUrl: string;

  beforeAll(async () => {
    v2ApiUrl = await startInfluxV2Api();
    await influx(v2ApiUrl).createDatabase(stale);
    await influx(v2ApiUrl).createDatabase(live);
    await admin.connect();
    await admin.createTopics({
      topics: [`${stale}.events.raw`, `${live}.events.raw`].map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
    await leaveGroup(`${stale}-aggregation`, `${stale}.events.raw`);
    await leaveGroup(`${live}-aggregation`, `${live}.events.raw`);
    await influx().createDatabase(stale);
    await influx().createDatabase(live);
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [`${live}.events.raw`] }).catch(() => undefined);
    await admin.deleteGroups([`${live}-aggregation`]).catch(() => undefined);
    await influx().dropDatabase(live);
    await influx(v2ApiUrl).dropDatabase(live);
    await admin.disconnect();
  });

  it('deletes the stale topic, group and database and keeps those of a run that may still be going', async () => {
    const removed = await removeTestLeftovers({
      brokers: [...stack.kafkaBrokers],
      influxUrl: stack.influxUrl,
      // The second one is running, the third is not: nothing to clean there, and no error.
      optionalInfluxUrls: [v2ApiUrl, 'http://127.0.0.1:1'],
    });

    expect(removed.errors).toEqual([]);
    // Other killed runs may have left more on a shared stack; ours are at least among them.
    expect(removed.topics).toBeGreaterThanOrEqual(1);
    expect(removed.groups).toBeGreaterThanOrEqual(1);
    expect(removed.databases).toBeGreaterThanOrEqual(2);
    const onV2Api = await influx(v2ApiUrl).listDatabases();
    expect(onV2Api).not.toContain(stale);
    expect(onV2Api).toContain(live);
    const topics = await admin.listTopics();
    expect(topics).not.toContain(`${stale}.events.raw`);
    expect(topics).toContain(`${live}.events.raw`);
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId);
    expect(groups).not.toContain(`${stale}-aggregation`);
    expect(groups).toContain(`${live}-aggregation`);
    const databases = await influx().listDatabases();
    expect(databases).not.toContain(stale);
    expect(databases).toContain(live);
  });
});
