import type { AggregationConfig } from '../config';
import { HttpInfluxWriter } from './http-influx-writer';
import type { InfluxWriter } from './influx-writer';

/** The writer for PULSE_INFLUX_API: v1 `/write` (InfluxDB 1.x) or the v2 write API (2.x, 3.x). */
export function createInfluxWriter(config: AggregationConfig): InfluxWriter {
  return new HttpInfluxWriter({
    url: config.PULSE_INFLUX_URL,
    token: config.PULSE_INFLUX_TOKEN,
    batchLines: config.PULSE_INFLUX_BATCH_LINES,
    timeoutMs: config.PULSE_INFLUX_TIMEOUT,
    target:
      config.PULSE_INFLUX_API === 'v2'
        ? { api: 'v2', org: config.PULSE_INFLUX_ORG, bucket: config.PULSE_INFLUX_BUCKET }
        : { api: 'v1', database: config.PULSE_INFLUX_DATABASE },
  });
}
