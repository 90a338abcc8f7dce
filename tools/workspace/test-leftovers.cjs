'use strict';
// Removes what killed test runs left on the local stack. Every suite names its topics, consumer
// groups and InfluxDB databases with `uniqueName` (libs/testing: `t_<label>_<ms in base 36>_<hex>`)
// and deletes them when it ends; a run killed half-way (Ctrl-C, a CI timeout, kill -9) cannot.
// Hundreds of idle partitions then add to the broker's background work in every later run.
//
// A resource is a leftover once it is older than any test could be (default 1 h; the longest
// suite takes minutes): age is the only sign of a dead run that holds across concurrent Jest runs
// and across clones sharing one stack, so live runs are never touched.
const { Kafka, logLevel } = require('kafkajs');

const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;
// `Date.now().toString(36)` has 8 digits from 1973 to 2059; a name whose "time" falls outside
// these bounds was not made by uniqueName (e.g. `t_shop_orders_c0ffee`), so it is never touched.
const EARLIEST_TEST_TIME = Date.UTC(2024, 0, 1);
const CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** When `uniqueName` made `name` (ms since the epoch), or undefined for a name it did not make. */
function testNameCreatedAt(name, now = Date.now()) {
  const match = /^t_(?:[a-z0-9_]*_)?([0-9a-z]{8})_[0-9a-f]{6}(?:[._-]|$)/.exec(name);
  if (!match) return undefined;
  const createdAt = Number.parseInt(match[1], 36);
  return createdAt >= EARLIEST_TEST_TIME && createdAt <= now + CLOCK_SKEW_MS ? createdAt : undefined;
}

/** The names among `names` that a test made more than `maxAgeMs` before `now`. */
function staleTestNames(names, now, maxAgeMs = DEFAULT_MAX_AGE_MS) {
  return names.filter((name) => {
    const createdAt = testNameCreatedAt(name, now);
    return createdAt !== undefined && now - createdAt > maxAgeMs;
  });
}

async function influxQuery(influxUrl, statement) {
  const url = new URL('/query', influxUrl);
  url.searchParams.set('q', statement);
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`InfluxDB answered ${response.status} to ${statement}`);
  const body = await response.json();
  const failed = (body.results ?? []).find((result) => result.error);
  if (failed) throw new Error(`InfluxDB: ${failed.error} (${statement})`);
  return body;
}

async function removeDatabases(influxUrl, now, maxAgeMs) {
  const body = await influxQuery(influxUrl, 'SHOW DATABASES');
  const names = (body.results?.[0]?.series?.[0]?.values ?? []).map(([name]) => String(name));
  const stale = staleTestNames(names, now, maxAgeMs);
  for (const name of stale) await influxQuery(influxUrl, `DROP DATABASE "${name}"`);
  return stale.length;
}

/**
 * Deletes the topics that still exist. Another run cleaning up at the same moment may delete
 * some first (kafkajs then fails the whole call), so what is left is listed and deleted again.
 */
async function deleteTopics(admin, topics) {
  for (let attempt = 1; ; attempt += 1) {
    const existing = new Set(await admin.listTopics());
    const remaining = topics.filter((topic) => existing.has(topic));
    if (remaining.length === 0) return 0;
    try {
      await admin.deleteTopics({ topics: remaining, timeout: 30_000 });
      return remaining.length;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Deletes the groups; a group that still has members (or is already gone) stays out of the count. */
async function deleteGroups(admin, groups) {
  if (groups.length === 0) return 0;
  try {
    return (await admin.deleteGroups(groups)).length;
  } catch (error) {
    // kafkajs lists only the groups that failed; anything else (no coordinator, no connection)
    // is a real failure.
    if (error.name !== 'KafkaJSDeleteGroupsError') throw error;
    return groups.length - (error.groups ?? []).length;
  }
}

async function removeKafkaLeftovers(brokers, now, maxAgeMs) {
  const kafka = new Kafka({ clientId: 'pulse-test-leftovers', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await deleteTopics(admin, staleTestNames(await admin.listTopics(), now, maxAgeMs));
    const { groups } = await admin.listGroups();
    const staleGroups = staleTestNames(
      groups.map((group) => group.groupId),
      now,
      maxAgeMs,
    );
    return { topics, groups: await deleteGroups(admin, staleGroups) };
  } finally {
    await admin.disconnect();
  }
}

/** True when an InfluxDB answers its ping; a server that is not running has nothing to clean. */
async function influxUp(influxUrl) {
  try {
    const response = await fetch(new URL('/ping', influxUrl), { signal: AbortSignal.timeout(2_000) });
    return response.status === 204;
  } catch {
    return false;
  }
}

/**
 * Deletes test topics, consumer groups and databases older than `maxAgeMs`, on the stack's
 * InfluxDB and on each of `optionalInfluxUrls` that is running (the v2-API InfluxDB only runs once
 * a suite needed it). Returns what it removed and what failed (Kafka and each InfluxDB
 * independently); it never throws, since leftovers must never fail a test run.
 */
async function removeTestLeftovers({
  brokers,
  influxUrl,
  optionalInfluxUrls = [],
  now = Date.now(),
  maxAgeMs = DEFAULT_MAX_AGE_MS,
}) {
  const [kafka, ...databases] = await Promise.allSettled([
    removeKafkaLeftovers(brokers, now, maxAgeMs),
    removeDatabases(influxUrl, now, maxAgeMs),
    ...optionalInfluxUrls.map(async (url) =>
      (await influxUp(url)) ? removeDatabases(url, now, maxAgeMs) : 0,
    ),
  ]);
  const errors = [kafka, ...databases]
    .filter((result) => result.status === 'rejected')
    .map((result) => (result.reason instanceof Error ? result.reason.message : String(result.reason)));
  return {
    topics: kafka.status === 'fulfilled' ? kafka.value.topics : 0,
    groups: kafka.status === 'fulfilled' ? kafka.value.groups : 0,
    databases: databases.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0),
    errors,
  };
}

module.exports = { DEFAULT_MAX_AGE_MS, removeTestLeftovers, staleTestNames, testNameCreatedAt };
