import { HttpError, InfluxDB, setLogger } from '@influxdata/influxdb-client';
import { chunks, type InfluxWriter } from './influx-writer';
import { unreachable, writeFailure } from './influx-errors';

export interface V2WriterOptions {
  url: string;
  org: string;
  bucket: string;
  token?: string;
  batchLines: number;
  timeoutMs: number;
}

/**
 * Writes through the client's v2 WriteApi (`/api/v2/write`, InfluxDB 2.x and 3.x), gzipped.
 * One WriteApi per batch: the API buffers internally, and a shared buffer would let one
 * caller's flush report another caller's lines as written.
 */
export class V2Writer implements InfluxWriter {
  private readonly client: InfluxDB;

  constructor(private readonly options: V2WriterOptions) {
    // Failures are rethrown to the consumer, which retries and logs them; the client's own
    // console logging would only duplicate that.
    setLogger({ error: () => undefined, warn: () => undefined });
    this.client = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs });
  }

  async write(lines: readonly string[], beforeSend?: () => void): Promise<void> {
    for (const batch of chunks(lines, this.options.batchLines)) {
      beforeSend?.();
      const api = this.client.getWriteApi(this.options.org, this.options.bucket, 'ms', {
        // Larger than the batch, so the API never flushes on its own (it would swallow errors).
        batchSize: batch.length + 1,
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: 1024,
      });
      api.writeRecords(batch);
      try {
        await api.flush();
      } catch (error) {
        if (error instanceof HttpError) {
          const retryAfter = error.retryAfter() > 0 ? String(error.retryAfter() / 1000) : undefined;
          throw writeFailure(error.statusCode, error.body ?? error.message, retryAfter);
        }
        throw unreachable(error);
      } finally {
        api.dispose();
      }
    }
  }
}
