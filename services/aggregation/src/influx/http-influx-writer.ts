import { InfluxClient, InfluxLineWriter, type EncodedLines, type WriteTarget } from '@pulse/influx';
import { forConsumer } from './influx-errors';
import type { InfluxWriter } from './influx-writer';

export interface HttpInfluxWriterOptions {
  url: string;
  token?: string;
  target: WriteTarget;
  batchLines: number;
  timeoutMs: number;
}

/**
 * The InfluxWriter port over `@pulse/influx`: batches of `batchLines`, gzipped, to `/write`
 * (creating the database on first use) or `/api/v2/write` (the bucket is the operator's).
 */
export class HttpInfluxWriter implements InfluxWriter {
  private readonly writer: InfluxLineWriter;

  constructor(options: HttpInfluxWriterOptions) {
    const client = new InfluxClient({
      url: options.url,
      timeoutMs: options.timeoutMs,
      ...(options.token === undefined ? {} : { token: options.token }),
    });
    this.writer = new InfluxLineWriter(client, { target: options.target, batchLines: options.batchLines });
  }

  async write(lines: readonly string[] | EncodedLines, beforeSend?: () => void): Promise<void> {
    try {
      await this.writer.write(lines, beforeSend);
    } catch (error) {
      throw forConsumer(error);
    }
  }
}
