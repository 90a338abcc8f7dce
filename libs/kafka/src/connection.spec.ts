import { Kafka } from 'kafkajs';
import pino from 'pino';
import { createKafka, kafkaConnectionFromEnv, type KafkaEnv } from './connection';

const env: KafkaEnv = {
  PULSE_KAFKA_BROKERS: ['k0:9092', 'k1:9092'],
  PULSE_KAFKA_CLIENT_ID: undefined,
  PULSE_KAFKA_SSL: false,
  PULSE_KAFKA_SASL_MECHANISM: undefined,
  PULSE_KAFKA_SASL_USERNAME: undefined,
  PULSE_KAFKA_SASL_PASSWORD: undefined,
};

describe('kafkaConnectionFromEnv', () => {
  it('names the client after the service unless a client id is configured', () => {
    expect(kafkaConnectionFromEnv(env, 'ingestion')).toEqual({
      brokers: ['k0:9092', 'k1:9092'],
      clientId: 'pulse-ingestion',
      ssl: false,
    });
    expect(kafkaConnectionFromEnv({ ...env, PULSE_KAFKA_CLIENT_ID: 'custom' }, 'ingestion').clientId).toBe(
      'custom',
    );
  });

  it('carries the producer compression of services whose schema has one', () => {
    expect(
      kafkaConnectionFromEnv({ ...env, PULSE_KAFKA_COMPRESSION: 'zstd' }, 'enrichment').compression,
    ).toBe('zstd');
    expect(kafkaConnectionFromEnv(env, 'alert')).not.toHaveProperty('compression');
  });

  it('adds SASL credentials only when a mechanism is set', () => {
    const connection = kafkaConnectionFromEnv(
      {
        ...env,
        PULSE_KAFKA_SSL: true,
        PULSE_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        PULSE_KAFKA_SASL_USERNAME: 'pulse',
        PULSE_KAFKA_SASL_PASSWORD: 'secret',
      },
      'alert',
    );
    expect(connection).toMatchObject({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'pulse', password: 'secret' },
    });
    expect(
      kafkaConnectionFromEnv({ ...env, PULSE_KAFKA_SASL_USERNAME: 'ignored' }, 'alert'),
    ).not.toHaveProperty('sasl');
  });
});

describe('createKafka', () => {
  it('builds a kafkajs client without contacting the broker', () => {
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'spec' }, pino({ level: 'silent' }));
    expect(kafka).toBeInstanceOf(Kafka);
  });

  it("logs kafkajs' retried errors as warnings: Pulse logs the outcomes itself", () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'spec' }, logger)
      .logger()
      .error('Connection error: connect ECONNREFUSED 127.0.0.1:1', { retryCount: 2 });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:1' }),
    ]);
  });

  it('routes kafkajs logs through the pino logger at the matching level', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'spec' }, logger);
    kafka.logger().warn('leader not available', { topic: 'p.events.raw' });
    kafka.logger().info('below the configured kafkajs level');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({
        level: 40,
        component: 'kafkajs',
        msg: 'leader not available',
        kafkajs: expect.objectContaining({ topic: 'p.events.raw' }),
      }),
    ]);
  });
});
