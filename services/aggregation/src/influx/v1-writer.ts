import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { timeoutSignal } from '@pulse/observability';
import { chunks, type InfluxWriter } from './influx-writer';
import { unreachable, writeFailure } from './influx-errors';

const gzipAsync = promisify(gzip);

export interface V1WriterOptions {
  url: string;
  database: string;
  token?: string;
  batchLines: number;
  timeoutMs: number;
}

/**
 * Writes to InfluxDB 1.x `POST /write?db=…&precision=ms` (1.x has no /api/v2), gzipped, in
 * batches; creates the database on first use (`CREATE DATABASE` is idempotent).
 */
export class V1Writer implements InfluxWriter {
  private database: Promise<void> | null = null;

  constructor(private readonly options: V1WriterOptions) {}

  async write(lines: readonly string[], beforeSend?: () => void): Promise<void> {
    if (lines.length === 0) return;
    await this.ensureDatabase();
    for (const batch of chunks(lines, this.options.batchLines)) await this.post(batch, beforeSend);
  }

  /** Creates the database if missing; retried on the next write if InfluxDB was down. */
  ensureDatabase(): Promise<void> {
    this.database ??= this.createDatabase().catch((error: unknown) => {
      this.database = null;
      throw error;
    });
    return this.database;
  }

  private async createDatabase(): Promise<void> {
    const body = new URLSearchParams({
      q: `CREATE DATABASE "${this.options.database.replace(/(["\\])/g, '\\$1')}"`,
    });
    const response = await this.request('/query', body.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const text = await response.text();
    if (!response.ok || text.includes('"error"'))
      throw writeFailure(response.status >= 400 ? response.status : 500, text);
  }

  private async post(batch: readonly string[], beforeSend?: () => void): Promise<void> {
    const body = await gzipAsync(Buffer.from(batch.join('\n'), 'utf8'));
    const query = new URLSearchParams({ db: this.options.database, precision: 'ms' });
    beforeSend?.();
    const response = await this.request(`/write?${query}`, body, {
      'content-type': 'text/plain; charset=utf-8',
      'content-encoding': 'gzip',
    });
    if (response.status === 204 || response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const text = await response.text();
    if (response.status === 404 && text.includes('database not found')) this.database = null;
    throw writeFailure(response.status, text, response.headers.get('retry-after'));
  }

  private async request(
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<Response> {
    const auth: Record<string, string> = this.options.token
      ? { authorization: `Token ${this.options.token}` }
      : {};
    try {
      return await fetch(`${this.options.url}${path}`, {
        method: 'POST',
        body,
        headers: { ...headers, ...auth },
        signal: timeoutSignal(this.options.timeoutMs),
      });
    } catch (error) {
      throw unreachable(error);
    }
  }
}
