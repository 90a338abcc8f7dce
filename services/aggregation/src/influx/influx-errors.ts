import { TransientError } from '@pulse/kafka';

/** InfluxDB refused the data itself (400/422: bad line protocol, field type conflict). */
export class InfluxRejectedError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`InfluxDB rejected the write (HTTP ${status}): ${detail}`);
    this.name = 'InfluxRejectedError';
  }
}

/** Seconds or an HTTP date in Retry-After, as milliseconds. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/**
 * Maps a failed write to what the consumer should do: a TransientError (outage, overload,
 * auth not yet provisioned) pauses and retries; a rejection of the data is a bug or a schema
 * conflict that retrying will not fix, but it must not lose data either, so it is retried too
 * (with backoff) and logged loudly by the consumer.
 */
export function writeFailure(status: number, body: string, retryAfter?: string | null): Error {
  if (status === 400 || status === 422) return new InfluxRejectedError(status, body.slice(0, 500));
  return new TransientError(
    `InfluxDB write failed with HTTP ${status}: ${body.slice(0, 300)}`,
    retryAfterMs(retryAfter),
  );
}

export function unreachable(error: unknown): TransientError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TransientError(`InfluxDB unreachable: ${reason}`, undefined, { cause: error });
}
