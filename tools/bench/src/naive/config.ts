import { env, influxSchema, kafkaSchema, serviceSchema, type ConfigOf } from '@pulse/config';

/** The naive baseline's settings; the harness sets them for each process it starts. */
export const schema = {
  ...serviceSchema(0),
  ...kafkaSchema,
  ...influxSchema,
  BENCH_NAIVE_STAGE: env.oneOf(
    'which half of the baseline pipeline this process runs',
    ['enrich', 'aggregate'] as const,
    'enrich',
  ),
  BENCH_NAIVE_GROUP: env.string('consumer group of this stage'),
  BENCH_NAIVE_WINDOW: env.duration('tumbling window size of the aggregation stage', '10s'),
  BENCH_NAIVE_FLUSH_INTERVAL: env.duration(
    'how often the aggregation stage writes changed windows to InfluxDB',
    '1s',
  ),
} as const;

export type NaiveConfig = ConfigOf<typeof schema>;
