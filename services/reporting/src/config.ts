import {
  ConfigError,
  env,
  hashedCredentialsVar,
  influxReadSchema,
  kafkaSchema,
  refinedVariable,
  serviceSchema,
  type ConfigOf,
} from '@pulse/config';

const authDisabled = env.bool(
  'serve reports without a read token (local experiments only; never in production)',
  false,
);
/** Read tokens as `name:sha256hex` lines; without one the service refuses to start unless auth is disabled. */
const readTokens = hashedCredentialsVar(
  'read tokens as "name:sha256hex" lines; give the file as PULSE_REPORTING_TOKENS_FILE',
  { noun: 'token', disabledBy: 'PULSE_AUTH_DISABLED' },
);

const windows = env.durationList(
  'window sizes aggregation writes (its PULSE_WINDOWS): the report intervals offered',
  '1m',
);
const windowSizes = refinedVariable(windows, (listed, name, source) => {
  const sizes = [...new Set(listed)].sort((a, b) => a - b);
  if (sizes.some((size) => size < 1_000))
    throw new ConfigError(name, 'every window must be at least 1s', String(source[name] ?? ''));
  return sizes;
});

export const schema = {
  ...serviceSchema(3005),
  ...kafkaSchema,
  ...influxReadSchema,
  PULSE_REPORTING_TOKENS: readTokens,
  PULSE_AUTH_DISABLED: authDisabled,
  PULSE_WINDOWS: windowSizes,
  PULSE_REPORTING_CURRENCY: env.string('currency top-products ranks by when by=revenue and none is given', {
    default: 'USD',
  }),
  PULSE_REPORTING_MAX_RANGE: env.duration('longest time range one report may cover', '31d'),
  PULSE_REPORTING_MAX_WINDOWS: env.int('most windows (range ÷ interval) one sales report may return', {
    default: 10_000,
    min: 1,
  }),
  PULSE_REPORTING_PROGRESS_LOOKBACK: env.duration(
    'partitions whose aggregation progress is older than this are left out of the "final" decision',
    '15m',
  ),
  PULSE_INFLUX_QUERY_TIMEOUT: env.duration('timeout of one InfluxQL query', '15s'),
  PULSE_ALERTS_MAX: env.int('most alerts (latest state per fingerprint) held in memory for /v1/alerts', {
    default: 10_000,
    min: 1,
  }),
} as const;

export type ReportingConfig = ConfigOf<typeof schema>;

export const REPORTING_CONFIG = Symbol('pulse.reporting.config');
