import { env } from './env-var';

/** Variables every service reads: HTTP listener and logging. */
export function serviceSchema(defaultPort: number) {
  return {
    PULSE_HTTP_HOST: env.string('address the HTTP server binds to', { default: '0.0.0.0' }),
    PULSE_HTTP_PORT: env.port('port of the HTTP server (API, /health, /metrics)', defaultPort),
    PULSE_LOG_LEVEL: env.oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error'] as const, 'info'),
    PULSE_SHUTDOWN_TIMEOUT: env.duration('time allowed for a graceful shutdown on SIGTERM', '25s'),
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

/** Variables of the InfluxDB connection (aggregation writes, reporting reads). */
export const influxSchema = {
  PULSE_INFLUX_URL: env.url('InfluxDB base URL', { default: 'http://127.0.0.1:8086' }),
  PULSE_INFLUX_API: env.oneOf(
    'write API: v1 (/write, InfluxDB 1.x) or v2 (/api/v2/write, InfluxDB 2.x/3.x)',
    ['v1', 'v2'] as const,
    'v1',
  ),
  PULSE_INFLUX_DATABASE: env.string('database (v1) or DBRP-mapped database (v2) for InfluxQL', {
    default: 'pulse',
  }),
  PULSE_INFLUX_ORG: env.string('organisation (v2 writes)', { default: 'pulse' }),
  PULSE_INFLUX_BUCKET: env.string('bucket (v2 writes)', { default: 'pulse' }),
  PULSE_INFLUX_TOKEN: env.optionalString('InfluxDB API token', { secret: true }),
} as const;
