import { env, influxSchema, kafkaSchema, serviceSchema, type ConfigOf } from '@pulse/config';

/**
 * `patched`: the copy in node_modules/kafkajs with Pulse's patch (tools/patches), so the baseline
 * and Pulse differ by design only. `stock`: the published package untouched (`kafkajs-stock`, an npm
 * alias of the same version), as a textbook example would install it.
 */
export const KAFKAJS_VARIANTS = ['patched', 'stock'] as const;
export type KafkajsVariant = (typeof KAFKAJS_VARIANTS)[number];

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
  BENCH_NAIVE_KAFKAJS: env.oneOf(
    "which kafkajs 2.2.4 the stage runs on: Pulse's patched copy or the published package",
    KAFKAJS_VARIANTS,
    'patched',
  ),
  BENCH_NAIVE_GROUP: env.string('consumer group of this stage'),
  BENCH_NAIVE_WINDOW: env.duration('tumbling window size of the aggregation stage', '10s'),
  BENCH_NAIVE_FLUSH_INTERVAL: env.duration(
    'how often the aggregation stage writes changed windows to InfluxDB',
    '1s',
  ),
} as const;

export type NaiveConfig = ConfigOf<typeof schema>;
