import { COMPRESSIONS, DEFAULT_COMPRESSION, type Compression } from '@pulse/kafka';
import type { BenchOptions } from '../cli/options';

/**
 * The record compression Pulse's services use in this run (their default, or what
 * `--service-env PULSE_KAFKA_COMPRESSION=…` chose), so the feeder writes `events.raw` as
 * ingestion would and the Kafka perf cell measures the ceiling with the same codec.
 */
export function benchCompression(options: Pick<BenchOptions, 'serviceEnv'>): Compression {
  const chosen = options.serviceEnv['PULSE_KAFKA_COMPRESSION'];
  if (chosen === undefined) return DEFAULT_COMPRESSION;
  const known = COMPRESSIONS.find((name) => name === chosen);
  if (known === undefined) {
    throw new Error(`PULSE_KAFKA_COMPRESSION=${chosen}: expected one of ${COMPRESSIONS.join(', ')}`);
  }
  return known;
}
