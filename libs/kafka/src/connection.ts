import { Kafka, logLevel, type KafkaConfig, type SASLOptions, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
// Imported for its side effect too: registers the zstd codec before any client fetches.
import type { Compression } from './compression';
import './compression';

export interface KafkaConnectionConfig {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** Defaults suit a local broker; raise for a remote cluster. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Compression of the service's producer (PULSE_KAFKA_COMPRESSION); consumers read any codec. */
  compression?: Compression;
}

/** Environment variables of the shared Kafka schema (see @pulse/config kafkaSchema). */
export interface KafkaEnv {
  PULSE_KAFKA_BROKERS: string[];
  PULSE_KAFKA_CLIENT_ID: string | undefined;
  PULSE_KAFKA_SSL: boolean;
  PULSE_KAFKA_SASL_MECHANISM: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  PULSE_KAFKA_SASL_USERNAME: string | undefined;
  PULSE_KAFKA_SASL_PASSWORD: string | undefined;
  /** Only in the schemas of services that produce in volume; the others use the default. */
  PULSE_KAFKA_COMPRESSION?: Compression;
}

export function kafkaConnectionFromEnv(config: KafkaEnv, serviceName: string): KafkaConnectionConfig {
  const mechanism = config.PULSE_KAFKA_SASL_MECHANISM;
  return {
    brokers: config.PULSE_KAFKA_BROKERS,
    clientId: config.PULSE_KAFKA_CLIENT_ID ?? `pulse-${serviceName}`,
    ssl: config.PULSE_KAFKA_SSL,
    ...(config.PULSE_KAFKA_COMPRESSION === undefined ? {} : { compression: config.PULSE_KAFKA_COMPRESSION }),
    ...(mechanism
      ? {
          sasl: {
            mechanism,
            username: config.PULSE_KAFKA_SASL_USERNAME ?? '',
            password: config.PULSE_KAFKA_SASL_PASSWORD ?? '',
          },
        }
      : {}),
  };
}

/**
 * kafkajs logs every failed attempt it is about to retry at ERROR (a broker restarting, a group
 * coordinator still loading, a seed broker refusing a connection). Pulse logs the outcomes that
 * matter itself — a consumer crash at error, a failed produce or connection with what happens
 * next at warn — so kafkajs' own errors go out as warnings: log-based alerting on error lines
 * then means something is wrong, not that a retry happened.
 */
const LEVELS: Record<number, 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'warn',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      logger[LEVELS[level] ?? 'info']({ kafkajs: extra }, message);
    };
}

/** The one place a kafkajs client is built, so the library can be swapped behind @pulse/kafka. */
export function createKafka(config: KafkaConnectionConfig, logger: Logger): Kafka {
  const kafkaConfig: KafkaConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl ?? false,
    connectionTimeout: config.connectionTimeoutMs ?? 3_000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 10_000 },
  };
  if (config.sasl) kafkaConfig.sasl = config.sasl as SASLOptions;
  return new Kafka(kafkaConfig);
}
