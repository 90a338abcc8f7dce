import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '@pulse/config';

export const CELL_NAMES = [
  'kafka',
  'pulse',
  'pulse-direct',
  'enrichment',
  'http',
  'streams',
  'streams-alos',
] as const;
export type CellName = (typeof CELL_NAMES)[number];

export interface BenchOptions {
  cells: CellName[];
  repetitions: number;
  durationMs: number;
  rates: number[];
  direct: boolean;
  out: string;
  quick: boolean;
  brokers: string[];
  influxUrl: string;
  windowMs: number;
  /** Records the Kafka perf tools write and read per repetition. */
  perfRecords: number;
  /** Events written to events.raw before enrichment starts, for the enrichment-alone drain. */
  drainEvents: number;
  httpDurationMs: number;
  httpConnections: number;
  /** Excluded from each step's latency figures: warm-up. */
  warmupMs: number;
  seed: number;
  keep: boolean;
  /** Run the pipeline processes under `node --cpu-prof` and summarise where their time went. */
  profile: boolean;
  /** Extra environment for Pulse's services (tuning experiments), e.g. PULSE_FLUSH_INTERVAL=250ms. */
  serviceEnv: Record<string, string>;
  /**
   * Rate of the latency step instead of half the sustained rate: the same load for every run of
   * an A/B of latency settings (the targets still read half the sustained rate).
   */
  latencyRate?: number;
}

function rateList(raw: string): number[] {
  const rates = raw.split(',').map((part) => Number(part.trim()));
  if (rates.length === 0 || rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) {
    throw new InvalidArgumentError('must be a comma-separated list of positive events/s, e.g. 5000,10000');
  }
  return [...rates].sort((a, b) => a - b);
}

function duration(raw: string): number {
  try {
    return parseDuration(raw);
  } catch {
    throw new InvalidArgumentError('must be a duration such as 60s or 2m');
  }
}

function positiveInt(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidArgumentError('must be a whole number greater than 0');
  return value;
}

function envPair(raw: string, previous: Record<string, string>): Record<string, string> {
  const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(raw);
  if (!match) throw new InvalidArgumentError('must be NAME=value, e.g. PULSE_FLUSH_INTERVAL=250ms');
  return { ...previous, [match[1] as string]: match[2] as string };
}

function cellList(raw: string): CellName[] {
  const names = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(CELL_NAMES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown cell(s) ${unknown.join(', ')}; choose from ${CELL_NAMES.join(', ')}`,
    );
  }
  return [...new Set(names as CellName[])];
}

/** A short smoke run: the same cells once each, shorter steps and smaller volumes. */
const QUICK = {
  // One of each cell: a smoke run of about 20 minutes; figures worth quoting need the full profile.
  repetitions: 1,
  durationMs: 20_000,
  windowMs: 5_000,
  perfRecords: 150_000,
  drainEvents: 60_000,
  httpDurationMs: 5_000,
  warmupMs: 3_000,
};
const FULL = {
  repetitions: 3,
  durationMs: 60_000,
  windowMs: 10_000,
  perfRecords: 500_000,
  drainEvents: 300_000,
  httpDurationMs: 20_000,
  warmupMs: 5_000,
};

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'Benchmarks Pulse against a Kafka Streams peer doing the same work, beside the Kafka perf tools (ceiling), ' +
        'on this machine: cells interleaved, open loop at constant rates, several repetitions; prints a table and ' +
        'writes JSON. Needs the local stack (npm run stack:up) and a build (npm run build).',
    )
    .option('--cells <list>', `cells to run, comma-separated: ${CELL_NAMES.join(', ')}`, cellList, [
      ...CELL_NAMES,
    ])
    .option(
      '--repetitions <n>',
      'repetitions of every cell (default 3; 1 with --quick; at least 3 for figures worth quoting)',
      positiveInt,
    )
    .option(
      '--duration <duration>',
      'length of each constant-rate step (default 60s; 20s with --quick)',
      duration,
    )
    .option(
      '--rates <list>',
      'rising rates (events/s) of the pipeline cells (Pulse and the Kafka Streams peer)',
      rateList,
      [5000, 10000, 15000, 20000],
    )
    .option(
      '--direct',
      'feed the `pulse` cell straight into events.raw instead of through ingestion (HTTP)',
      false,
    )
    .option('--out <file>', 'JSON result file (default bench-results/<timestamp>.json)')
    .option('--quick', 'short smoke run: 20 s steps, 5 s windows, smaller volumes', false)
    .option(
      '--brokers <list>',
      'Kafka bootstrap brokers',
      process.env.PULSE_KAFKA_BROKERS ?? '127.0.0.1:9092',
    )
    .option(
      '--influx-url <url>',
      'InfluxDB base URL',
      process.env.PULSE_INFLUX_URL ?? 'http://127.0.0.1:8086',
    )
    .option('--window <duration>', 'aggregation window for the run (default 10s; 5s with --quick)', duration)
    .option('--http-connections <n>', 'autocannon connections for the ingestion HTTP cell', positiveInt, 8)
    .option('--seed <n>', 'seed of the load generator', positiveInt, 42)
    .option(
      '--keep',
      'keep the topics and InfluxDB databases of each cell run for inspection (until the next bench run)',
      false,
    )
    .option(
      '--profile',
      'profile the pipeline processes (node --cpu-prof; slows them a little: diagnosis, not figures)',
      false,
    )
    .option(
      '--latency-rate <n>',
      'events/s of the latency step instead of half the sustained rate (for A/B runs of latency settings)',
      positiveInt,
    )
    .option(
      '--service-env <NAME=value>',
      'extra environment for Pulse services (repeatable), e.g. PULSE_FLUSH_INTERVAL=250ms',
      envPair,
      {},
    )
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride()
    .allowExcessArguments(false);
}

interface RawOptions {
  cells: CellName[];
  repetitions?: number;
  duration?: number;
  rates: number[];
  direct: boolean;
  out?: string;
  quick: boolean;
  brokers: string;
  influxUrl: string;
  window?: number;
  httpConnections: number;
  seed: number;
  keep: boolean;
  profile: boolean;
  serviceEnv: Record<string, string>;
  latencyRate?: number;
}

export function parseBenchArgs(argv: readonly string[], now = new Date()): BenchOptions {
  const command = benchCommand();
  command.parse(argv, { from: 'user' });
  const raw = command.opts<RawOptions>();
  const profile = raw.quick ? QUICK : FULL;
  const durationMs = raw.duration ?? profile.durationMs;
  const windowMs = raw.window ?? profile.windowMs;
  if (durationMs < 2 * windowMs) {
    command.error(
      `error: --duration must hold at least two windows (${windowMs} ms each) to time window end → InfluxDB`,
    );
  }
  // `--direct` turns the HTTP-fed Pulse cell into the directly fed one.
  const cells = raw.direct
    ? [...new Set(raw.cells.map((cell) => (cell === 'pulse' ? 'pulse-direct' : cell)))]
    : raw.cells;
  return {
    cells,
    repetitions: raw.repetitions ?? profile.repetitions,
    durationMs,
    rates: raw.rates,
    direct: raw.direct,
    out: raw.out ?? `bench-results/${now.toISOString().replace(/[:.]/g, '-')}.json`,
    quick: raw.quick,
    brokers: raw.brokers.split(',').map((broker) => broker.trim()),
    influxUrl: raw.influxUrl,
    windowMs,
    perfRecords: profile.perfRecords,
    drainEvents: profile.drainEvents,
    httpDurationMs: profile.httpDurationMs,
    httpConnections: raw.httpConnections,
    warmupMs: Math.min(profile.warmupMs, durationMs / 4),
    seed: raw.seed,
    keep: raw.keep,
    profile: raw.profile,
    serviceEnv: raw.serviceEnv,
    ...(raw.latencyRate === undefined ? {} : { latencyRate: raw.latencyRate }),
  };
}
