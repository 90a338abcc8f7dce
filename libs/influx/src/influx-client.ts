import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { InfluxQueryError, queryUnavailable, InfluxUnavailableError, writeFailure } from './influx-errors';
import { retryAfterMs } from '@pulse/http';
import { InfluxHttp, type InfluxAnswer, type InfluxConnection } from './influx-http';
import { influxIdentifier } from './influxql';
import { EncodedLines } from './encoded-lines';

const gzipAsync = promisify(gzip);

/** One series of an InfluxQL result: its group-by tags and rows keyed by column. */
export interface Series {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Where line protocol goes: InfluxDB 1.x `/write` into a database, or the v2 write API
 * (`/api/v2/write`: InfluxDB 2.x, 3.x, and 1.8+) into an organisation's bucket.
 */
export type WriteTarget =
  | { readonly api: 'v1'; readonly database: string }
  | { readonly api: 'v2'; readonly org: string; readonly bucket: string };

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

interface RawAnswer {
  results?: RawResult[];
  error?: string;
}

/**
 * InfluxDB over HTTP: InfluxQL queries and database commands over `/query` (InfluxDB 1.x
 * natively, 2.x through a DBRP mapping, 3.x natively), times as epoch milliseconds, and line
 * protocol writes (`/write`, `/api/v2/write`) with millisecond precision. Failures are classified
 * here (influx-errors.ts): retry later (`InfluxUnavailableError`), data refused
 * (`InfluxRejectedError`) or statement refused (`InfluxQueryError`).
 */
export class InfluxClient {
  private readonly http: InfluxHttp;

  constructor(connection: InfluxConnection) {
    this.http = new InfluxHttp(connection);
  }

  /**
   * Runs `;`-separated read-only statements against `database`; returns the series of each, in
   * order. A database that does not exist yet is an empty result for every statement.
   */
  async query(database: string, statements: readonly string[]): Promise<Series[][]> {
    const params = new URLSearchParams({ db: database, epoch: 'ms', q: statements.join(';\n') });
    // GET: the method every InfluxQL-speaking version accepts for read-only queries.
    const answer = await this.http.send(`/query?${params}`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    const body = parseAnswer(answer);
    // A database that does not exist yet: InfluxDB 1.x answers "database not found" for the first
    // statement and "not executed" for the rest, or (1.6, several statements) only "not executed",
    // with no statement that failed on its own. Every statement is then empty, not failed.
    const results = body.results ?? [];
    const noDatabase =
      results.some((entry) => /database not found/.test(entry.error ?? '')) ||
      (results.length > 0 && results.every((entry) => entry.error === 'not executed'));
    return statements.map((_, index) => {
      const result = results.find((entry) => (entry.statement_id ?? 0) === index) ?? results[index];
      if (result?.error !== undefined) {
        if (noDatabase) return [];
        throw new InfluxQueryError(
          `InfluxDB refused statement ${index + 1}: ${result.error}`,
          answer.status,
          result.error,
        );
      }
      return (result?.series ?? []).map(toSeries);
    });
  }

  /**
   * Runs one statement that changes the server (`CREATE DATABASE`, `DROP DATABASE`) or reads its
   * catalogue (`SHOW DATABASES`), with POST as InfluxDB requires for the former. Any error fails.
   */
  async execute(statement: string): Promise<Series[]> {
    const answer = await this.http.send('/query', {
      method: 'POST',
      body: new URLSearchParams({ q: statement, epoch: 'ms' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    });
    const body = parseAnswer(answer);
    const failed = body.results?.find((result) => result.error !== undefined)?.error;
    if (failed !== undefined) {
      throw new InfluxQueryError(`InfluxDB refused "${statement}": ${failed}`, answer.status, failed);
    }
    return (body.results ?? []).flatMap((result) => (result.series ?? []).map(toSeries));
  }

  /** Idempotent: InfluxDB answers success for a database that exists. */
  async createDatabase(name: string): Promise<void> {
    await this.execute(`CREATE DATABASE ${influxIdentifier(name)}`);
  }

  /** Idempotent: InfluxDB answers success for a database that does not exist. */
  async dropDatabase(name: string): Promise<void> {
    await this.execute(`DROP DATABASE ${influxIdentifier(name)}`);
  }

  async listDatabases(): Promise<string[]> {
    const [series] = await this.execute('SHOW DATABASES');
    return (series?.rows ?? []).map((row) => String(row.name));
  }

  /**
   * Writes the lines in ONE request (batching is the caller's: `InfluxLineWriter`), gzipped unless
   * `gzip: false`. Resolves once InfluxDB accepted them; throws `InfluxRejectedError` for data it
   * refuses and `InfluxUnavailableError` for anything worth retrying. `beforeSend` runs once the
   * body is ready, right before the request goes out; if it throws, nothing is sent.
   */
  async write(
    target: WriteTarget,
    lines: readonly string[] | EncodedLines,
    { gzip = true, beforeSend }: { gzip?: boolean; beforeSend?: () => void } = {},
  ): Promise<void> {
    const payload = EncodedLines.of(lines).body();
    const body = gzip ? await gzipAsync(payload) : payload;
    beforeSend?.();
    const query =
      target.api === 'v1'
        ? `/write?${new URLSearchParams({ db: target.database, precision: 'ms' })}`
        : `/api/v2/write?${new URLSearchParams({ org: target.org, bucket: target.bucket, precision: 'ms' })}`;
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (gzip) headers['content-encoding'] = 'gzip';
    const answer = await this.http.send(query, { method: 'POST', body, headers }, { readBody: false });
    if (answer.status >= 200 && answer.status < 300) return;
    throw writeFailure(answer.status, answer.text, answer.headers.get('retry-after'));
  }
}

/** The JSON of a `/query` answer; an overloaded or down InfluxDB and a refusal become errors. */
function parseAnswer({ status, text, headers }: InfluxAnswer): RawAnswer {
  if (queryUnavailable(status)) {
    throw new InfluxUnavailableError(
      `InfluxDB answered HTTP ${status}: ${text.slice(0, 200)}`,
      status,
      retryAfterMs(headers.get('retry-after')),
    );
  }
  let body: RawAnswer;
  try {
    body = JSON.parse(text) as RawAnswer;
  } catch {
    throw new InfluxQueryError(
      `InfluxDB answered HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}`,
      status,
      text.slice(0, 200),
    );
  }
  if (status < 200 || status >= 300 || body.error !== undefined) {
    const detail = body.error ?? text.slice(0, 200);
    throw new InfluxQueryError(`InfluxDB refused the query (HTTP ${status}): ${detail}`, status, detail);
  }
  return body;
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
