import { ConfigError } from './config-error';
import { env, refinedVariable } from './env-var';

/** Variables every service reads: HTTP listener and logging. */
export function serviceSchema(defaultPort: number) {
  return {
    PULSE_HTTP_HOST: env.string('address the HTTP server binds to', { default: '0.0.0.0' }),
    PULSE_HTTP_PORT: env.port('port of the HTTP server (API, /health, /metrics)', defaultPort),
    PULSE_LOG_LEVEL: env.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error'] as const, 'info'),
    PULSE_SHUTDOWN_TIMEOUT: env.duration('time allowed for a graceful shutdown on SIGTERM', '25s'),
    PULSE_HEAP_GROWTH_PERCENT: env.int(
      "how far V8's old generation may grow past the live heap before its next full collection, in percent (V8's --heap-growing-percent): lower holds less memory and collects more often; 0 leaves it to V8, which allows up to 300 % when Node sizes the heap itself and as little as 30 % under a small --max-old-space-size",
      { default: 60, min: 0, max: 300 },
    ),
    PULSE_IDLE_MEMORY_RELEASE: env.duration(
      'how long a service stays quiet (under 5 % of a CPU core) before it gives memory back to the OS with one compacting collection, as it also does once after start-up: V8 keeps the young generation a burst grew and its emptied pages otherwise; the collection pauses the service briefly (50–150 ms measured at rest); 0s turns it off',
      '30s',
    ),
  } as const;
}

/** Variables of the Kafka connection and topic naming, shared by every service and the CLI. */
export const kafkaSchema = {
  PULSE_KAFKA_BROKERS: env.list('comma-separated Kafka bootstrap brokers (host:port)', ['127.0.0.1:9092']),
  PULSE_KAFKA_CLIENT_ID: env.optionalString('Kafka client id (defaults to the service name)'),
  PULSE_KAFKA_SSL: env.bool('connect to Kafka over TLS', false),
  PULSE_KAFKA_SASL_MECHANISM: env.optionalOneOf('SASL mechanism for Kafka', [
    'plain',
    'scram-sha-256',
    'scram-sha-512',
  ] as const),
  PULSE_KAFKA_SASL_USERNAME: env.optionalString('SASL user name for Kafka'),
  PULSE_KAFKA_SASL_PASSWORD: env.optionalString('SASL password for Kafka', { secret: true }),
  PULSE_TOPIC_PREFIX: env.string('prefix put before every topic name (e.g. "prod.")', { default: '' }),
} as const;

const influxUrl = env.url('InfluxDB base URL', { default: 'http://127.0.0.1:8086' });
const influxDatabase = env.string('database (v1) or DBRP-mapped database (v2) for InfluxQL', {
  default: 'pulse',
});

/** Variables of the InfluxDB connection that writes (aggregation). */
export const influxSchema = {
  PULSE_INFLUX_URL: influxUrl,
  PULSE_INFLUX_API: env.oneOf(
    'write API: v1 (/write, InfluxDB 1.x) or v2 (/api/v2/write, InfluxDB 2.x/3.x)',
    ['v1', 'v2'] as const,
    'v1',
  ),
  PULSE_INFLUX_DATABASE: influxDatabase,
  PULSE_INFLUX_ORG: env.string('organisation (v2 writes)', { default: 'pulse' }),
  PULSE_INFLUX_BUCKET: env.string('bucket (v2 writes)', { default: 'pulse' }),
  PULSE_INFLUX_TOKEN: env.optionalString(
    'InfluxDB token that may write the bucket (v2 API token, or "user:password" of a 1.x user with WRITE); sent as "Authorization: Token …"',
    { secret: true },
  ),
} as const;

const readToken = env.optionalString(
  'InfluxDB token that may only read the database (v2 read-only API token, or "user:password" of a 1.x user with READ); sent as "Authorization: Token …"',
  { secret: true },
);

/**
 * Variables of an InfluxDB connection that only reads (reporting). It holds its own read-only
 * token, and refuses the writers' PULSE_INFLUX_TOKEN, so a reader never carries write access.
 */
export const influxReadSchema = {
  PULSE_INFLUX_URL: influxUrl,
  PULSE_INFLUX_DATABASE: influxDatabase,
  PULSE_INFLUX_READ_TOKEN: refinedVariable(readToken, (value, _name, source) => {
    for (const writeVariable of ['PULSE_INFLUX_TOKEN', 'PULSE_INFLUX_TOKEN_FILE']) {
      if (source[writeVariable] !== undefined && source[writeVariable] !== '') {
        throw new ConfigError(
          writeVariable,
          'is the write token and this service only reads: give it a read-only token as PULSE_INFLUX_READ_TOKEN (or PULSE_INFLUX_READ_TOKEN_FILE) instead',
          source[writeVariable],
        );
      }
    }
    return value;
  }),
} as const;
