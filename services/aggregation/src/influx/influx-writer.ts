import type { EncodedLines } from '@pulse/influx';

/** Where aggregation's line-protocol points go (InfluxDB 1.x `/write` or the v2 write API). */
export interface InfluxWriter {
  /**
   * Writes the lines in batches; resolves once InfluxDB accepted all of them. Throws a
   * TransientError while InfluxDB is unreachable or overloaded (the caller retries; points are
   * upserts, so writing a batch twice is harmless). `beforeSend` runs right before each
   * request goes out; if it throws, nothing more is sent and `write` rejects with its error.
   */
  write(lines: readonly string[] | EncodedLines, beforeSend?: () => void): Promise<void>;
}

export const INFLUX_WRITER = Symbol('pulse.aggregation.influx-writer');
