import type { AggregationConfig } from '../config';
import type { InfluxWriter } from './influx-writer';
import { V1Writer } from './v1-writer';
import { V2Writer } from './v2-writer';

/** The writer for PULSE_INFLUX_API: v1 `/write` (InfluxDB 1.x) or the v2 write API (2.x, 3.x). */
export function createInfluxWriter(config: AggregationConfig): InfluxWriter {
  const common = {
    url: config.PULSE_INFLUX_URL,
    token: config.PULSE_INFLUX_TOKEN,
    batchLines: config.PULSE_INFLUX_BATCH_LINES,
    timeoutMs: config.PULSE_INFLUX_TIMEOUT,
  };
  if (config.PULSE_INFLUX_API === 'v2') {
    return new V2Writer({ ...common, org: config.PULSE_INFLUX_ORG, bucket: config.PULSE_INFLUX_BUCKET });
  }
  return new V1Writer({ ...common, database: config.PULSE_INFLUX_DATABASE });
}
