import {
  atLeastVariable,
  ConfigError,
  env,
  influxSchema,
  kafkaSchema,
  refinedVariable,
  serviceSchema,
  type ConfigOf,
  type Env,
  type EnvVar,
} from '@pulse/config';
import { kafkaCommitIntervalSchema, kafkaConsumerSchema, kafkaProducerSchema } from '@pulse/kafka';

const windows = env.durationList(
  'tumbling window sizes in event time, comma-separated (e.g. 1m,5m,1h)',
  '1m',
);
const lateness = env.duration(
  'allowed lateness: how far behind the newest event time an event may be and still count',
  '30s',
);

const windowSizes = refinedVariable(windows, (sizes, name, source) => {
  const bad = sizes.find((size) => size < 1_000 || !Number.isInteger(size));
  if (bad !== undefined)
    throw new ConfigError(name, 'every window must be at least 1s', String(source[name] ?? ''));
  return sizes;
});

const horizonValue = env.optionalString(
  'how long an event id is remembered to drop duplicates (default: largest window + allowed lateness)',
);

/** At least the largest window plus the lateness, so a duplicate is caught while its window is open. */
const dedupeHorizon: EnvVar<number> = {
  description: horizonValue.description,
  secret: false,
  read(name: string, source: Env): number {
    const minimum =
      Math.max(...windowSizes.read('PULSE_WINDOWS', source)) +
      lateness.read('PULSE_ALLOWED_LATENESS', source);
    const raw = horizonValue.read(name, source);
    if (raw === undefined) return minimum;
    const horizon = env.duration(horizonValue.description, '0s').read(name, source);
    if (horizon < minimum) {
      throw new ConfigError(
        name,
        `must be at least the largest window plus the allowed lateness (${minimum} ms)`,
        raw,
      );
    }
    return horizon;
  },
};

// 250 ms: a window's final counts reach InfluxDB within the 1 s target after its end (with 1 s
// they waited up to a second more: p99 ≈ 1.4–1.6 s); each flush writes only changed windows.
const flushInterval = env.duration(
  'how often changed windows are written to InfluxDB and metrics.windowed while a window is closing (from its end until PULSE_OPEN_WINDOW_FLUSH_INTERVAL after it), so its final counts land promptly',
  '250ms',
);

/**
 * Open windows change with nearly every event, so at the closing cadence most of aggregation's
 * work (and InfluxDB's) went into rewriting running counts four times a second.
 */
const openWindowFlushInterval = atLeastVariable(
  env.duration(
    'how often the running counts of windows still open are written to InfluxDB and metrics.windowed (at least PULSE_FLUSH_INTERVAL); every flush rewrites each changed group, so this sets most of the write volume',
    '1s',
  ),
  { name: 'PULSE_FLUSH_INTERVAL', variable: flushInterval, unit: 'ms' },
);

const influxTimeout = env.duration('timeout of one InfluxDB request', '10s');

/**
 * A request that timed out may still be applied by InfluxDB after a later one: the windows it
 * carried are rewritten whole once InfluxDB has answered again for this long.
 */
const resettleDelay = atLeastVariable(
  env.duration(
    'after an InfluxDB write whose outcome is unknown (timeout, reset, 5xx), how long InfluxDB must have answered again before the windows it carried are rewritten whole (at least PULSE_INFLUX_TIMEOUT); until then they hold the commit point',
    '30s',
  ),
  { name: 'PULSE_INFLUX_TIMEOUT', variable: influxTimeout, unit: 'ms' },
);

export const schema = {
  ...serviceSchema(3003),
  ...kafkaSchema,
  ...kafkaProducerSchema,
  ...influxSchema,
  PULSE_CONSUMER_GROUP: env.string('Kafka consumer group (one per deployment; tests use their own)', {
    default: 'pulse-aggregation',
  }),
  PULSE_WINDOWS: windowSizes,
  PULSE_ALLOWED_LATENESS: lateness,
  PULSE_DEDUPE_HORIZON: dedupeHorizon,
  PULSE_FLUSH_INTERVAL: flushInterval,
  PULSE_OPEN_WINDOW_FLUSH_INTERVAL: openWindowFlushInterval,
  PULSE_INFLUX_BATCH_LINES: env.int('lines per InfluxDB write request', {
    default: 5_000,
    min: 100,
    max: 100_000,
  }),
  PULSE_INFLUX_TIMEOUT: influxTimeout,
  PULSE_INFLUX_RESETTLE_DELAY: resettleDelay,
  PULSE_PIPELINE_STATS_INTERVAL: env.duration(
    'how often consumer lag and dead-letter size are written to InfluxDB',
    '10s',
  ),
  ...kafkaConsumerSchema,
  ...kafkaCommitIntervalSchema,
} as const;

export type AggregationConfig = ConfigOf<typeof schema>;

export const AGGREGATION_CONFIG = Symbol('pulse.aggregation.config');
