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

/** When `uniqueName` made `name` (ms since the epoch), or undefined for a name it did not make. */
function testNameCreatedAt(name) {
  const match = /^t_(?:[a-z0-9_]*_)?([0-9a-z]{6,10})_[0-9a-f]{6}(?:[._-]|$)/.exec(name);
  if (!match) return undefined;
  const createdAt = Number.parseInt(match[1], 36);
  return Number.isSafeInteger(createdAt) ? createdAt : undefined;
}

/** The names among `names` that a test made more than `maxAgeMs` before `now`. */
function staleTestNames(names, now, maxAgeMs = DEFAULT_MAX_AGE_MS) {
  return names.filter((name) => {
    const createdAt = testNameCreatedAt(name);
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

async function removeKafkaLeftovers(brokers, now, maxAgeMs) {
  const kafka = new Kafka({ clientId: 'pulse-test-leftovers', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = staleTestNames(await admin.listTopics(), now, maxAgeMs);
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    const { groups } = await admin.listGroups();
    const stale = staleTestNames(
      groups.map((group) => group.groupId),
      now,
      maxAgeMs,
    );
    let deletedGroups = 0;
    if (stale.length > 0) {
      try {
        deletedGroups = (await admin.deleteGroups(stale)).length;
      } catch (error) {
        // A group that still has members cannot be deleted; the others were.
        deletedGroups = stale.length - (error.groups ?? []).filter((group) => group.error).length;
      }
    }
    return { topics: topics.length, groups: deletedGroups };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes test topics, consumer groups and databases older than `maxAgeMs`. Returns what it
 * removed; a failure is the caller's to report (it must never fail a test run).
 */
async function removeTestLeftovers({ brokers, influxUrl, now = Date.now(), maxAgeMs = DEFAULT_MAX_AGE_MS }) {
  const kafka = await removeKafkaLeftovers(brokers, now, maxAgeMs);
  const databases = await removeDatabases(influxUrl, now, maxAgeMs);
  return { ...kafka, databases };
}

module.exports = { DEFAULT_MAX_AGE_MS, removeTestLeftovers, staleTestNames, testNameCreatedAt };
