import { InfluxClient, type Series } from '@pulse/influx';

export { InfluxQueryError, InfluxUnavailableError, type Series } from '@pulse/influx';

export interface InfluxQueryOptions {
  url: string;
  database: string;
  token?: string;
  timeoutMs: number;
}

export const INFLUX_QUERY = Symbol('pulse.reporting.influx-query');

/**
 * Reporting's port to InfluxDB: InfluxQL against the one database it reads, with its read-only
 * token (`@pulse/influx`). A database that does not exist yet is an empty result: nothing was
 * aggregated into it so far. Throws `InfluxUnavailableError` (answered as 503) and
 * `InfluxQueryError` (500).
 */
export class InfluxQueryClient {
  private readonly client: InfluxClient;

  constructor(private readonly options: InfluxQueryOptions) {
    this.client = new InfluxClient({
      url: options.url,
      timeoutMs: options.timeoutMs,
      ...(options.token === undefined ? {} : { token: options.token }),
    });
  }

  /** Runs one or more `;`-separated statements; returns the series of each, in order. */
  query(statements: readonly string[]): Promise<Series[][]> {
    return this.client.query(this.options.database, statements);
  }
}
