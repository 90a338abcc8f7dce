import { TransientError } from '@pulse/kafka';

/** InfluxDB refused the data itself (400/413/422: field type conflict, tag value limit, too large). */
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
 * auth not yet provisioned) pauses and retries; a refusal of the data itself will not change on
 * retry, so it is an InfluxRejectedError, whose points are set aside (see rejected-points.ts).
 */
export function writeFailure(status: number, body: string, retryAfter?: string | null): Error {
  if (status === 400 || status === 413 || status === 422)
    return new InfluxRejectedError(status, body.slice(0, 500));
  return new TransientError(
    `InfluxDB write failed with HTTP ${status}: ${body.slice(0, 300)}`,
    retryAfterMs(retryAfter),
  );
}

export function unreachable(error: unknown): TransientError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TransientError(`InfluxDB unreachable: ${reason}`, undefined, { cause: error });
}
