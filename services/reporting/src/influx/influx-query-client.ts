import { timeoutSignal } from '@pulse/observability';

/** One series of an InfluxQL result: its group-by tags and rows keyed by column. */
export interface Series {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/** InfluxDB could not be reached or is overloaded: the client should retry later (HTTP 503). */
export class InfluxUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfluxUnavailableError';
  }
}

/** InfluxDB refused the query: a bug in the query, not the client's fault (HTTP 500). */
export class InfluxQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfluxQueryError';
  }
}

export interface InfluxQueryOptions {
  url: string;
  database: string;
  token?: string;
  timeoutMs: number;
}

interface RawSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

interface RawResult {
  statement_id?: number;
  series?: RawSeries[];
  error?: string;
}

export const INFLUX_QUERY = Symbol('pulse.reporting.influx-query');

/**
 * InfluxQL over `/query` (InfluxDB 1.x natively, 2.x through a DBRP mapping, 3.x natively),
 * times as epoch milliseconds. A database that does not exist yet is an empty result: nothing
 * was aggregated into it so far.
 */
export class InfluxQueryClient {
  constructor(private readonly options: InfluxQueryOptions) {}

  /** Runs one or more `;`-separated statements; returns the series of each, in order. */
  async query(statements: readonly string[]): Promise<Series[][]> {
    const params = new URLSearchParams({ db: this.options.database, epoch: 'ms', q: statements.join(';\n') });
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Token ${this.options.token}`;
    let response: Response;
    let text: string;
    try {
      // GET: the method every InfluxQL-speaking version accepts for read-only queries.
      response = await fetch(`${this.options.url}/query?${params}`, {
        headers,
        signal: timeoutSignal(this.options.timeoutMs),
      });
      // Inside the try: the timeout also aborts a body that is still arriving (a big result
      // from a busy InfluxDB), and that is the same "retry later" as no answer at all.
      text = await response.text();
    } catch (error) {
      throw new InfluxUnavailableError(
        `InfluxDB unreachable or too slow (timeout ${this.options.timeoutMs} ms): ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (response.status === 429 || response.status >= 500) {
      throw new InfluxUnavailableError(`InfluxDB answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    let body: { results?: RawResult[]; error?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new InfluxQueryError(
        `InfluxDB answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok || body.error !== undefined) {
      throw new InfluxQueryError(
        `InfluxDB refused the query (HTTP ${response.status}): ${body.error ?? text.slice(0, 200)}`,
      );
    }
    // A database that does not exist yet: InfluxDB 1.x answers "database not found" for the first
    // statement and "not executed" for the rest, or (1.6, several statements) only "not executed",
    // with no statement that failed on its own. Every statement is then empty, not failed.
    const results = body.results ?? [];
    const noDatabase =
      results.some((entry) => /database not found/.test(entry.error ?? '')) ||
      (results.length > 0 && results.every((entry) => entry.error === 'not executed'));
    return statements.map((_, index) => {
      const result =
        body.results?.find((entry) => (entry.statement_id ?? 0) === index) ?? body.results?.[index];
      if (result?.error !== undefined) {
        if (noDatabase) return [];
        throw new InfluxQueryError(`InfluxDB refused statement ${index + 1}: ${result.error}`);
      }
      return (result?.series ?? []).map(toSeries);
    });
  }
}

function toSeries(raw: RawSeries): Series {
  return {
    name: raw.name,
    tags: raw.tags ?? {},
    rows: (raw.values ?? []).map((values) =>
      Object.fromEntries(raw.columns.map((column, i) => [column, values[i]])),
    ),
  };
}
