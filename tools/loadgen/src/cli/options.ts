import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '@pulse/config';
import type { LoadgenOptions } from '../run-loadgen';
import { SCENARIO_NAMES, parseScenarios } from '../scenarios/scenario-profile';

function positiveNumber(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError('must be a number greater than 0');
  return value;
}

function positiveInt(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidArgumentError('must be a whole number greater than 0');
  return value;
}

function integer(raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('must be a whole number');
  return value;
}

function share(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value >= 1)
    throw new InvalidArgumentError('must be a share in [0, 1)');
  return value;
}

function duration(raw: string): number {
  if (raw.trim() === '0') return 0;
  try {
    return parseDuration(raw);
  } catch {
    throw new InvalidArgumentError('must be a duration such as 90s, 5m or 0 (until stopped)');
  }
}

function instant(raw: string): number {
  const value = Date.parse(raw);
  if (!Number.isFinite(value) || !/[zZ]|[+-]\d\d:?\d\d$/.test(raw.trim())) {
    throw new InvalidArgumentError('must be an RFC 3339 time with a zone, e.g. 2026-03-01T12:00:00Z');
  }
  return value;
}

function scenarios(raw: string) {
  try {
    return parseScenarios(raw);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The `loadgen` command line; `parse` gives validated options. */
export function loadgenCommand(): Command {
  return new Command('loadgen')
    .description(
      'Sends a deterministic e-commerce event scenario to Pulse ingestion and writes the ground truth ' +
        '(what the reporting API must then show). See tools/loadgen/README.md.',
    )
    .addOption(
      new Option(
        '--scenario <names>',
        `one or a comma-separated combination of: ${SCENARIO_NAMES.join(', ')}`,
      )
        .default(['steady'], 'steady')
        .argParser(scenarios),
    )
    .option(
      '--rate <events/s>',
      'base rate in events per second (the flash sale peaks at 3x)',
      positiveNumber,
      100,
    )
    .addOption(
      new Option('--duration <duration>', 'how long to send, e.g. 60s or 5m; 0 = until Ctrl-C')
        .argParser(duration)
        .default(60_000, '60s'),
    )
    .option('--seed <n>', 'random seed: the same seed and start time give the same events', integer, 42)
    .option('--start-time <time>', 'event time of the first instant (RFC 3339); default: now', instant)
    .option('--target <url>', 'ingestion base URL', 'http://127.0.0.1:3001')
    .option('--api-key <key>', 'ingestion API key (or PULSE_LOADGEN_API_KEY, or --api-key-file)')
    .option('--api-key-file <file>', 'file holding the ingestion API key')
    .option('--ground-truth <file>', 'write the ground-truth summary (JSON) here')
    .option('--batch-size <n>', 'events per request at most', positiveInt, 200)
    .option(
      '--concurrency <n>',
      'requests in flight at once (1 keeps Kafka order = send order)',
      positiveInt,
      1,
    )
    .addOption(
      new Option('--linger <duration>', 'how long a partly filled batch waits for more events')
        .argParser(duration)
        .default(50, '50ms'),
    )
    .option('--products <file>', 'product catalogue (JSON array)', 'deploy/sample-data/products.json')
    .option(
      '--customers <file>',
      'customers (CSV: id,segment,signupTime,country)',
      'deploy/sample-data/customers.csv',
    )
    .addOption(
      new Option(
        '--window <duration>',
        "aggregation's window size (its smallest PULSE_WINDOWS), for the ground truth",
      )
        .argParser(duration)
        .default(60_000, '1m'),
    )
    .addOption(
      new Option(
        '--allowed-lateness <duration>',
        "aggregation's PULSE_ALLOWED_LATENESS, for the ground truth",
      )
        .argParser(duration)
        .default(30_000, '30s'),
    )
    .option('--malformed-share <share>', 'share of invalid events in malformed-mix', share)
    .option('--duplicate-share <share>', 'share of re-sent events in late-duplicates', share)
    .option('--late-share <share>', 'share of late events in late-duplicates', share)
    .addOption(
      new Option(
        '--malformed-via <route>',
        'where malformed-mix sends invalid events: the API, Kafka, or half each',
      )
        .choices(['api', 'kafka', 'both'])
        .default('api'),
    )
    .option(
      '--kafka-brokers <list>',
      'brokers for writing malformed events straight to events.raw (with --malformed-via kafka|both)',
    )
    .option('--topic-prefix <prefix>', 'topic prefix of the target deployment (PULSE_TOPIC_PREFIX)', '')
    .addOption(
      new Option('--progress <mode>', 'progress display')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .addHelpText(
      'after',
      '\nExample:\n  loadgen --scenario flash-sale --rate 200 --duration 90s --seed 42 --ground-truth out.json',
    )
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride()
    .allowExcessArguments(false);
}

interface RawOptions {
  scenario: LoadgenOptions['scenarios'];
  rate: number;
  duration: number;
  seed: number;
  startTime?: number;
  target: string;
  apiKey?: string;
  apiKeyFile?: string;
  groundTruth?: string;
  batchSize: number;
  concurrency: number;
  linger: number;
  products: string;
  customers: string;
  window: number;
  allowedLateness: number;
  malformedShare?: number;
  duplicateShare?: number;
  lateShare?: number;
  malformedVia: LoadgenOptions['malformedVia'];
  kafkaBrokers?: string;
  topicPrefix: string;
  progress: LoadgenOptions['progress'];
}

export function parseLoadgenArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  now = Date.now,
): LoadgenOptions {
  const command = loadgenCommand();
  command.parse(argv, { from: 'user' });
  const raw = command.opts<RawOptions>();
  if (raw.malformedVia !== 'api' && raw.kafkaBrokers === undefined) {
    command.error(`error: --malformed-via ${raw.malformedVia} needs --kafka-brokers`);
  }
  const apiKey =
    raw.apiKey ??
    (raw.apiKeyFile === undefined ? undefined : readFileSync(raw.apiKeyFile, 'utf8').trim()) ??
    env.PULSE_LOADGEN_API_KEY;
  return {
    scenarios: raw.scenario,
    rate: raw.rate,
    durationMs: raw.duration,
    seed: raw.seed,
    startTimeMs: raw.startTime ?? now(),
    target: raw.target,
    apiKey: apiKey === '' ? undefined : apiKey,
    groundTruthFile: raw.groundTruth,
    batchSize: raw.batchSize,
    concurrency: raw.concurrency,
    lingerMs: raw.linger,
    productsFile: raw.products,
    customersFile: raw.customers,
    windowSizeMs: raw.window,
    allowedLatenessMs: raw.allowedLateness,
    tuning: {
      ...(raw.malformedShare === undefined ? {} : { malformedShare: raw.malformedShare }),
      ...(raw.duplicateShare === undefined ? {} : { duplicateShare: raw.duplicateShare }),
      ...(raw.lateShare === undefined ? {} : { lateShare: raw.lateShare }),
    },
    malformedVia: raw.malformedVia,
    kafka:
      raw.kafkaBrokers === undefined
        ? undefined
        : {
            brokers: raw.kafkaBrokers.split(',').map((broker) => broker.trim()),
            topicPrefix: raw.topicPrefix,
          },
    progress: raw.progress,
  };
}
