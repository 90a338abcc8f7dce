import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '@pulse/config';
import type { RunLocalOptions } from './run-local';

function duration(raw: string): number {
  try {
    return parseDuration(raw);
  } catch {
    throw new InvalidArgumentError('must be a duration such as 90s or 5m');
  }
}

function positive(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError('must be a number greater than 0');
  return value;
}

function integer(raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('must be a whole number');
  return value;
}

export function parseRunLocalArgs(argv: readonly string[]): RunLocalOptions {
  const command = new Command('npm start --')
    .description(
      'Runs all of Pulse on this machine: local stack, topics, sample reference data, the five services, a local ' +
        'Slack receiver and the load generator, with a live summary. Ctrl-C stops everything it started.',
    )
    .option(
      '--duration <duration>',
      'run for a fixed time, then report and check against the ground truth',
      duration,
    )
    .option('--scenario <names>', 'load generator scenario(s)', 'flash-sale')
    .option('--rate <events/s>', 'base event rate (the flash sale peaks at 3x)', positive, 50)
    .option('--seed <n>', 'load generator seed', integer, 42)
    .option(
      '--keep-stack',
      'leave Kafka/InfluxDB/NATS running at the end even if this run started them',
      false,
    )
    .option(
      '--skip-stack',
      'do not start or stop the local stack (use the one PULSE_KAFKA_BROKERS etc. name)',
      false,
    )
    .option('--slack-port <port>', 'port of the local Slack receiver', integer, 3090)
    .addOption(
      new Option('--settle-timeout <duration>', 'how long the pipeline may take to catch up after sending')
        .argParser(duration)
        .default(120_000, '2m'),
    )
    .exitOverride()
    .allowExcessArguments(false);
  command.parse(argv, { from: 'user' });
  const raw = command.opts<{
    duration?: number;
    scenario: string;
    rate: number;
    seed: number;
    keepStack?: boolean;
    skipStack?: boolean;
    slackPort: number;
    settleTimeout: number;
  }>();
  return {
    durationMs: raw.duration,
    scenario: raw.scenario,
    rate: raw.rate,
    seed: raw.seed,
    keepStack: raw.keepStack === true,
    skipStack: raw.skipStack === true,
    slackPort: raw.slackPort,
    settleTimeoutMs: raw.settleTimeout,
  };
}
