import { join } from 'node:path';
import type { LocalCredentials } from '@pulse/fleet';
import type { BenchOptions } from './cli/options';
import type { Corpus } from './feed/corpus';
import type { BenchKafka } from './infra/bench-kafka';
import type { InfluxClient } from '@pulse/influx';
import type { MeteredProcess } from './proc/process-meter';

/** What every cell run may use: the options, the shared clients, and where things go. */
export interface RunContext {
  readonly options: BenchOptions;
  readonly repoRoot: string;
  /** Short id of this bench run; part of every topic prefix, group and database name. */
  readonly runId: string;
  /** tmp/bench/<runId>: logs, corpus, payload files, generator outputs. */
  readonly workDir: string;
  readonly nodeBinary: string;
  readonly kafka: BenchKafka;
  readonly influx: InfluxClient;
  /** Broker and InfluxDB, measured in every cell. */
  readonly stackProcesses: readonly MeteredProcess[];
  readonly corpus: Corpus;
  /** Real enriched events (one JSON per line) for the perf tools' payloads. */
  readonly enrichedPayloadFile: string;
  readonly enrichedMeanBytes: number;
  readonly credentials: LocalCredentials;
  /** The Kafka Streams peer's jar, built at set-up when a `streams` cell runs. */
  readonly streamsPeerJar?: string;
  log(line: string): void;
}

/** Names of one cell run's resources: all derived from the run id, cell and repetition. */
export interface CellNames {
  readonly label: string;
  readonly topicPrefix: string;
  readonly groupPrefix: string;
  readonly database: string;
  readonly logDir: string;
}

export function cellNames(context: RunContext, cell: string, repetition: number): CellNames {
  const label = `${cell}-r${repetition}`;
  return {
    label,
    topicPrefix: `bench.${context.runId}.${label}.`,
    groupPrefix: `bench-${context.runId}-${label}`,
    database: `bench_${context.runId}_${label}`.replace(/[^a-zA-Z0-9_]/g, '_'),
    logDir: join(context.workDir, 'logs', label),
  };
}

export function entryPoint(repoRoot: string, ...path: string[]): string {
  return join(repoRoot, 'dist', ...path);
}
