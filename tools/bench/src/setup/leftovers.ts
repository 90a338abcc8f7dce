import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchKafka } from '../infra/bench-kafka';
import type { InfluxClient } from '@pulse/influx';

/** Marks a run as live while its bench process runs: `tmp/bench/<run id>/bench.pid`. */
const PID_FILE = 'bench.pid';

/** The run id in a cell run's topic (`bench.<id>.`), group (`bench-<id>-`) or database (`bench_<id>_`). */
export function benchRunIdOf(name: string): string | undefined {
  return /^bench[._-]([0-9a-z]+)[._-]/.exec(name)?.[1];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes this run's pid file; the returned function removes it. */
export function markRunLive(workDir: string): () => void {
  const file = join(workDir, PID_FILE);
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

/** Runs under `benchDir` whose bench process is still running. */
export function liveRunIds(benchDir: string): Set<string> {
  const live = new Set<string>();
  if (!existsSync(benchDir)) return live;
  for (const runId of readdirSync(benchDir)) {
    const file = join(benchDir, runId, PID_FILE);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) live.add(runId);
  }
  return live;
}

export interface RemovedLeftovers {
  topics: number;
  groups: number;
  databases: number;
}

/**
 * Deletes the topics, consumer groups and databases that earlier bench runs left behind when they
 * were killed before their clean-up (`--keep` runs too): hundreds of idle partitions on the one
 * broker add to its background work and to the noise of every later measurement. Resources of a
 * run whose bench process still runs are left alone.
 */
export async function removeLeftovers(
  kafka: BenchKafka,
  influx: InfluxClient,
  live: ReadonlySet<string>,
): Promise<RemovedLeftovers> {
  const leftover = (name: string): boolean => {
    const runId = benchRunIdOf(name);
    return runId !== undefined && !live.has(runId);
  };
  const topics = await kafka.deleteTopicsWhere(leftover);
  const groups = await kafka.deleteGroupsWhere(leftover);
  const databases = (await influx.listDatabases()).filter(leftover);
  for (const database of databases) await influx.dropDatabase(database);
  return { topics: topics.length, groups: groups.length, databases: databases.length };
}
