import type { Logger } from '@pulse/observability';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { AlertStateStore } from './alert-state-store';
import type { DeliveryLog } from './delivery-log';

/**
 * Bounded state: delivery records older than the retention are tombstoned first, then resolved
 * alerts past it are forgotten — only those the delivery log no longer holds, so an alert that
 * fires again (starting over at sequence 0) is never taken for one already delivered.
 */
export class RetentionSweep {
  constructor(
    private readonly alerts: Pick<AlertStateStore, 'sweep'>,
    private readonly deliveries: Pick<DeliveryLog, 'sweep' | 'holds'>,
    private readonly metrics: AlertMetrics,
    private readonly logger: Logger,
  ) {}

  /** Never throws: a failed sweep is logged and retried at the next one. */
  async sweep(): Promise<void> {
    try {
      const deliveries = await this.deliveries.sweep();
      const alerts = this.alerts.sweep((fingerprint) => this.deliveries.holds(fingerprint));
      if (deliveries > 0) this.metrics.stateRemoved.inc({ table: 'deliveries' }, deliveries);
      if (alerts > 0) this.metrics.stateRemoved.inc({ table: 'alerts' }, alerts);
      if (deliveries + alerts > 0) {
        this.logger.info({ deliveries, alerts }, 'forgot alerts and delivery records past the retention');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'sweep of old alert state failed; retrying at the next one');
    }
  }
}
