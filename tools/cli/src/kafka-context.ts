import pino from 'pino';
import { env, kafkaSchema, loadConfig, type ConfigOf } from '@pulse/config';
import {
  KafkaAdmin,
  createKafka,
  kafkaConnectionFromEnv,
  PulseProducer,
  topicNames,
  type TopicNames,
} from '@pulse/kafka';
import type { Kafka } from 'kafkajs';
import type { CliContext } from './cli';

export const cliKafkaSchema = {
  ...kafkaSchema,
  PULSE_LOG_LEVEL: env.oneOf(
    'log level of the CLI (logs go to stderr)',
    ['debug', 'info', 'warn', 'error'] as const,
    'error',
  ),
} as const;

export type CliKafkaConfig = ConfigOf<typeof cliKafkaSchema>;

/** Kafka for one command: the client, topic names under the prefix, and lazily a producer/admin. */
export interface CliKafka {
  readonly config: CliKafkaConfig;
  readonly kafka: Kafka;
  readonly topics: TopicNames;
  producer(): Promise<PulseProducer>;
  admin(): Promise<KafkaAdmin>;
}

/** Connects as the CLI, runs `work`, and always disconnects what it opened (producer flushed first). */
export async function withKafka<T>(context: CliContext, work: (kafka: CliKafka) => Promise<T>): Promise<T> {
  const config = loadConfig(cliKafkaSchema, context.env);
  const logger = pino({ level: config.PULSE_LOG_LEVEL, base: { service: 'cli' } }, pino.destination(2));
  const kafka = createKafka(kafkaConnectionFromEnv(config, 'cli'), logger);
  let producer: PulseProducer | undefined;
  let admin: KafkaAdmin | undefined;
  try {
    return await work({
      config,
      kafka,
      topics: topicNames(config.PULSE_TOPIC_PREFIX),
      async producer() {
        if (!producer) {
          const connecting = new PulseProducer(kafka);
          await connecting.connect();
          producer = connecting;
        }
        return producer;
      },
      async admin() {
        admin ??= await KafkaAdmin.connect(kafka);
        return admin;
      },
    });
  } finally {
    await producer?.disconnect();
    await admin?.disconnect();
  }
}
