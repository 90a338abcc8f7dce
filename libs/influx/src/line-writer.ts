import { InfluxDatabaseNotFoundError, InfluxQueryError, writeFailure } from './influx-errors';
import type { InfluxClient, WriteTarget } from './influx-client';
import { EncodedLines } from './encoded-lines';

export interface LineWriterOptions {
  readonly target: WriteTarget;
  /** Lines per request. */
  readonly batchLines: number;
}

/**
 * Writes line protocol in batches of `batchLines`, gzipped, one request at a time. For a v1
 * target it creates the database on first use (`CREATE DATABASE` is idempotent) and again after
 * InfluxDB answered "database not found"; for v2 the bucket is the operator's (on 2.x it needs
 * an organisation, a retention and rights a writer's token should not have).
 */
export class InfluxLineWriter {
  private database: Promise<void> | null = null;

  constructor(
    private readonly client: InfluxClient,
    private readonly options: LineWriterOptions,
  ) {}

  /**
   * Resolves once InfluxDB accepted every line. `beforeSend` runs right before each write request
   * goes out; if it throws, nothing more is sent and `write` rejects with its error. Failures are
   * classified as `InfluxClient.write`'s (a failed `CREATE DATABASE` as a write that failed so).
   */
  async write(lines: readonly string[] | EncodedLines, beforeSend?: () => void): Promise<void> {
    const encoded = EncodedLines.of(lines);
    if (encoded.count === 0) return;
    if (this.options.target.api === 'v1') await this.ensureDatabase(this.options.target.database);
    for (let i = 0; i < encoded.count; i += this.options.batchLines) {
      try {
        await this.client.write(this.options.target, encoded.slice(i, i + this.options.batchLines), {
          ...(beforeSend === undefined ? {} : { beforeSend }),
        });
      } catch (error) {
        if (error instanceof InfluxDatabaseNotFoundError) this.database = null;
        throw error;
      }
    }
  }

  /** Creates the database if missing; tried again on the next write if that failed. */
  private ensureDatabase(name: string): Promise<void> {
    this.database ??= this.client.createDatabase(name).catch((error: unknown) => {
      this.database = null;
      // A refused statement fails the write like a write answer with that status would (a
      // statement error inside a 200 answer counts as a server error: retry).
      if (error instanceof InfluxQueryError)
        throw writeFailure(error.status >= 400 ? error.status : 500, error.detail);
      throw error;
    });
    return this.database;
  }
}
