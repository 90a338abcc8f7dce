import { retryAfterMs } from '@pulse/http';

/**
 * InfluxDB did not answer in time, could not be reached, or answered that it cannot serve now
 * (429, 5xx; for writes also 401/403/404: credentials or the database not provisioned yet). Trying
 * again later may succeed; `retryAfterMs` is InfluxDB's Retry-After, when it sent one.
 */
export class InfluxUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InfluxUnavailableError';
  }
}

/** A v1 write to a database that does not exist (yet): retryable once it is created. */
export class InfluxDatabaseNotFoundError extends InfluxUnavailableError {
  constructor(message: string, status: number) {
    super(message, status);
    this.name = 'InfluxDatabaseNotFoundError';
  }
}

/**
 * InfluxDB refused the data of a write (400/413/422: a field type conflict, a tag value limit,
 * a request too large). It will refuse the same data again.
 */
export class InfluxRejectedError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`InfluxDB rejected the write (HTTP ${status}): ${detail}`);
    this.name = 'InfluxRejectedError';
  }
}

/** InfluxDB refused an InfluxQL statement: the statement is wrong, trying again will not help. */
export class InfluxQueryError extends Error {
  constructor(
    message: string,
    /** HTTP status of the answer (200 when only a statement failed). */
    readonly status: number,
    /** InfluxDB's own words. */
    readonly detail: string,
  ) {
    super(message);
    this.name = 'InfluxQueryError';
  }
}

/** Statuses of a write whose data InfluxDB refused for good; every other failure is retryable. */
const REJECTED_WRITE = new Set([400, 413, 422]);

/** What a failed write answer means: rejected data, or retry later (outage, overload, auth). */
export function writeFailure(
  status: number,
  body: string,
  retryAfter?: string | null,
): InfluxRejectedError | InfluxUnavailableError {
  if (REJECTED_WRITE.has(status)) return new InfluxRejectedError(status, body.slice(0, 500));
  const message = `InfluxDB write failed with HTTP ${status}: ${body.slice(0, 300)}`;
  if (status === 404 && body.includes('database not found'))
    return new InfluxDatabaseNotFoundError(message, status);
  return new InfluxUnavailableError(message, status, retryAfterMs(retryAfter));
}

/** True for a query answer that means "retry later" (overloaded or down) rather than "wrong query". */
export function queryUnavailable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** No answer: unreachable, refused, reset, or no complete answer before the timeout. */
export function unreachable(error: unknown, timeoutMs: number): InfluxUnavailableError {
  const reason = error instanceof Error ? error.message : String(error);
  return new InfluxUnavailableError(
    `InfluxDB unreachable or too slow (timeout ${timeoutMs} ms): ${reason}`,
    undefined,
    undefined,
    { cause: error },
  );
}
