import { env, kafkaSchema, serviceSchema, type ConfigOf } from '@pulse/config';
import { kafkaCommitIntervalSchema, kafkaConsumerSchema, kafkaProducerSchema } from '@pulse/kafka';

export const schema = {
  ...serviceSchema(3002),
  ...kafkaSchema,
  ...kafkaProducerSchema,
  ...kafkaConsumerSchema,
  ...kafkaCommitIntervalSchema,
  PULSE_CONSUMER_GROUP: env.string('consumer group reading events.raw', { default: 'pulse-enrichment' }),
  PULSE_REFERENCE_LOAD_TIMEOUT_MS: env.int(
    'how long start-up waits for reference.products and reference.customers to be loaded (then it fails)',
    { default: 60_000, min: 1000 },
  ),
  PULSE_ENRICHMENT_PARTITIONS_CONCURRENTLY: env.int('partitions of events.raw processed at the same time', {
    default: 3,
    min: 1,
    max: 64,
  }),
} as const;

export type EnrichmentConfig = ConfigOf<typeof schema>;
