import { loadConfig } from '@pulse/config';
import { kafkaProducerSchema, type Compression } from '@pulse/kafka';
import type { BenchOptions } from '../cli/options';

/**
 * The record compression Pulse's services use in this run (their default, or what
 * `--service-env PULSE_KAFKA_COMPRESSION=…` chose), read with the services' own schema, so the
 * feeder writes `events.raw` as ingestion would and the Kafka perf cell measures the ceiling
 * with the same codec.
 */
export function benchCompression(options: Pick<BenchOptions, 'serviceEnv'>): Compression {
  return loadConfig(kafkaProducerSchema, options.serviceEnv).PULSE_KAFKA_COMPRESSION;
}
