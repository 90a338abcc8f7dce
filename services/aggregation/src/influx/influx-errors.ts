import { TransientError } from '@pulse/kafka';
import { InfluxUnavailableError } from '@pulse/influx';

/** InfluxDB refused the data itself (400/413/422): its points are set aside (rejected-points.ts). */
export { InfluxRejectedError } from '@pulse/influx';

/**
 * What a failed write means for the consumer: retry later (outage, overload, auth or database
 * not provisioned yet) is a TransientError, which pauses the partition and honours InfluxDB's
 * Retry-After; anything else (a rejection, the membership check's refusal) stays as it is.
 */
export function forConsumer(error: unknown): unknown {
  if (error instanceof InfluxUnavailableError) {
    return new TransientError(error.message, error.retryAfterMs, { cause: error });
  }
  return error;
}
