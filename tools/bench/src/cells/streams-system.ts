import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countries } from 'countries-list';
import { parseDuration } from '@pulse/config';
import { regionForCountry, windowLabel } from '@pulse/contracts';
import { freePort, ManagedProcess, runCommand, waitUntilReady } from '@pulse/fleet';
import { topicNames } from '@pulse/kafka';
import { benchCompression } from '../infra/compression';
import type { CellNames, RunContext } from '../run-context';
import type { PipelineSystem } from './pipeline-system';

export type StreamsGuarantee = 'exactly_once_v2' | 'at_least_once';

const PEER_DIR = join('tools', 'bench', 'peers', 'kafka-streams');
/** Marks a record that only moves stream time (PeerTopology.HEARTBEAT_HEADER). */
const HEARTBEAT_HEADER = 'pulse-bench-heartbeat';
/**
 * One fixed heap, -Xms = -Xmx: no resizing collections during a step, and the peak RSS is what
 * the peer needed within a known bound. 768 MiB holds the in-memory stores at the ladder's top
 * rates with room to spare: about a million remembered ids (25,000/s over a 40 s dedupe horizon,
 * ~130 B each), the open windows per partition, the record caches (10 MiB), the producers' 32 MiB
 * buffers and the fetch buffers.
 */
const JVM_HEAP = '768m';
/** One stream thread per core of the bench machine's two (tasks spread over them). */
const STREAM_THREADS = 2;

/** Builds the peer's jar (cached by a hash of its sources) and returns its path. */
export async function buildStreamsPeer(repoRoot: string, log: (line: string) => void): Promise<string> {
  const started = Date.now();
  const { output } = await runCommand('bash', [join(repoRoot, PEER_DIR, 'build.sh')], { cwd: repoRoot });
  const jar = output
    .trim()
    .split('\n')
    .reverse()
    .find((line) => line.trim().endsWith('.jar'))
    ?.trim();
  if (jar === undefined) throw new Error(`the Kafka Streams peer build printed no jar:\n${output}`);
  log(`  Kafka Streams peer: ${jar} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return jar;
}

/**
 * One of aggregation's duration settings for this run: `--service-env NAME=…`, else aggregation's
 * default as docs/configuration.md states it (generated from aggregation's config schema).
 */
export function pulseDurationMs(
  repoRoot: string,
  serviceEnv: Readonly<Record<string, string>>,
  name: string,
): number {
  const set = serviceEnv[name];
  if (set !== undefined) return parseDuration(set);
  const docs = readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8');
  const row = new RegExp(`^\\| \`${name}\` \\| \`([^\`]+)\` \\|`, 'm').exec(docs);
  if (!row) throw new Error(`docs/configuration.md states no default for ${name}`);
  return parseDuration(row[1] as string);
}

/** Pulse's allowed lateness for this run (the peer's grace). */
export function allowedLatenessMs(repoRoot: string, serviceEnv: Readonly<Record<string, string>>): number {
  return pulseDurationMs(repoRoot, serviceEnv, 'PULSE_ALLOWED_LATENESS');
}

/** Pulse's country → region table, from the function enrichment calls, over its country list. */
export function regionTable(): Record<string, string> {
  return Object.fromEntries(Object.keys(countries).map((code) => [code, regionForCountry(code)]));
}

/**
 * The Kafka Streams peer (tools/bench/peers/kafka-streams): Pulse's enrichment and aggregation as
 * one Kafka Streams application in one JVM, on the cell's topics and database. It writes open
 * windows as they change, on aggregation's flush schedule, so (like Pulse) it has no close delay.
 */
export async function startStreams(
  context: RunContext,
  names: CellNames,
  guarantee: StreamsGuarantee,
  jar: string,
): Promise<PipelineSystem> {
  const { options } = context;
  const topics = topicNames(names.topicPrefix);
  const lateness = allowedLatenessMs(context.repoRoot, options.serviceEnv);
  const horizon =
    options.serviceEnv.PULSE_DEDUPE_HORIZON === undefined
      ? options.windowMs + lateness
      : parseDuration(options.serviceEnv.PULSE_DEDUPE_HORIZON);
  mkdirSync(names.logDir, { recursive: true });
  const regionsFile = join(names.logDir, 'regions.json');
  writeFileSync(regionsFile, `${JSON.stringify(regionTable())}\n`);
  const port = await freePort();
  const name = 'streams-peer';
  const peer = ManagedProcess.start({
    name,
    command: 'java',
    args: [
      `-Xms${JVM_HEAP}`,
      `-Xmx${JVM_HEAP}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      '-jar',
      jar,
    ],
    cwd: context.repoRoot,
    env: {
      ...process.env,
      PEER_KAFKA_BROKERS: options.brokers.join(','),
      PEER_APPLICATION_ID: `${names.groupPrefix}-streams`,
      PEER_TOPIC_RAW: topics.eventsRaw,
      PEER_TOPIC_ENRICHED: topics.eventsEnriched,
      PEER_TOPIC_PRODUCTS: topics.referenceProducts,
      PEER_TOPIC_CUSTOMERS: topics.referenceCustomers,
      PEER_TOPIC_DEAD_LETTER: topics.deadLetter,
      PEER_TOPIC_WINDOWS: `${names.topicPrefix}peer.windows`,
      PEER_INFLUX_URL: options.influxUrl,
      PEER_INFLUX_DATABASE: names.database,
      PEER_WINDOW_MS: String(options.windowMs),
      PEER_WINDOW_LABEL: windowLabel(options.windowMs),
      PEER_ALLOWED_LATENESS_MS: String(lateness),
      PEER_DEDUPE_HORIZON_MS: String(horizon),
      // Window writes on aggregation's schedule, so both write the same volume at the same cadence.
      PEER_FLUSH_INTERVAL_MS: String(
        pulseDurationMs(context.repoRoot, options.serviceEnv, 'PULSE_FLUSH_INTERVAL'),
      ),
      PEER_OPEN_WINDOW_FLUSH_INTERVAL_MS: String(
        pulseDurationMs(context.repoRoot, options.serviceEnv, 'PULSE_OPEN_WINDOW_FLUSH_INTERVAL'),
      ),
      PEER_PROCESSING_GUARANTEE: guarantee,
      PEER_STREAM_THREADS: String(STREAM_THREADS),
      PEER_HTTP_PORT: String(port),
      PEER_REGIONS_FILE: regionsFile,
      PEER_STATE_DIR: join(names.logDir, 'streams-state'),
      PEER_COMPRESSION: benchCompression(options),
    },
    logFile: join(names.logDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await peer.stop({ timeoutMs: 45_000 });
  };
  try {
    await waitUntilReady(peer, `${url}/health/ready`, { timeoutMs: 120_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    stages: [
      { name, metricsUrl: `${url}/metrics`, stage: 'aggregate' },
      // events.raw's lag: the monitor's broker-side estimate counts exactly-once commit markers.
      { name: `${name}-source`, metricsUrl: `${url}/metrics/source`, stage: 'enrich' },
    ],
    processes: [{ name, pid: peer.pid, role: 'pipeline' }],
    ingestUrl: undefined,
    profileDir: undefined,
    crashed: () => (peer.running ? [] : [name]),
    async closeWindows() {
      // The peer's watermark moves only with records: one heartbeat per partition, dated past the
      // last window's close, makes the last windows final (what the next real events would do).
      await context.kafka.sendToEveryPartition(topics.eventsRaw, {
        value: Buffer.alloc(0),
        headers: { [HEARTBEAT_HEADER]: '1' },
        timestamp: Date.now() + options.windowMs + lateness + 1_000,
      });
    },
    stop,
  };
}
