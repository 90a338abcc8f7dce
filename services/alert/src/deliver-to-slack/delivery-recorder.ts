import type { AlertEvent } from '@pulse/contracts';
import type { Logger } from '@pulse/observability';
import { retrying, type BackoffPolicy } from '@pulse/retry';
import type { Delivery, DeliveryLog } from '../state/delivery-log';
import type { DeliveryWaits } from './delivery-waits';

/** Attempts at writing one set of delivery records before giving up on them. */
const MAX_ATTEMPTS = 5;

/**
 * Writes what Slack accepted (or a silence muted) to the delivery log, which the next owner of a
 * partition checks before sending. A failure is retried a few times; after that the records are
 * settled anyway — the commit then moves past them, and only a restart before that commit could
 * repeat them.
 */
export class DeliveryRecorder {
  constructor(
    private readonly deliveries: Pick<DeliveryLog, 'record'>,
    private readonly waits: DeliveryWaits,
    private readonly backoff: BackoffPolicy,
    private readonly logger: Logger,
  ) {}

  async record(alerts: readonly AlertEvent[], outcome: Delivery['outcome']): Promise<void> {
    if (alerts.length === 0) return;
    const at = new Date().toISOString();
    const deliveries: Delivery[] = alerts.map((alert) => ({
      channel: 'slack',
      fingerprint: alert.fingerprint,
      sequence: alert.sequence,
      state: alert.state,
      outcome,
      at,
    }));
    try {
      await retrying(() => this.deliveries.record(deliveries), {
        policy: this.backoff,
        maxAttempts: MAX_ATTEMPTS,
        sleep: (ms) => this.waits.sleep(ms),
        onRetry: (error, attempt) =>
          this.logger.warn({ err: error, attempt }, 'could not write the delivery log'),
      });
    } catch (error) {
      this.logger.error(
        { err: error, entries: alerts.length, outcome },
        `delivery log not written; gave up after ${MAX_ATTEMPTS} attempts`,
      );
    }
  }
}
