import type { DeliveryLog } from '../state/delivery-log';
import type { DeliveryWaits } from './delivery-waits';

export interface HandoverSettings {
  /**
   * After a rebalance, how long to wait before sending for the partitions received: another
   * instance may still have a request in flight for them (bounded by the Slack timeout).
   */
  handoverGraceMs: number;
  fenceTimeoutMs: number;
}

/** How long a failed catch-up of the delivery log waits before the next try. */
const CATCH_UP_RETRY_MS = 1_000;

/**
 * What a new owner of `alerts` partitions waits for before sending: the previous owner's request
 * in flight (the grace), then the delivery log read up to its end, so that what the previous
 * owner delivered is known and skipped.
 */
export class HandoverFence {
  private fence: Promise<void> = Promise.resolve();

  constructor(
    private readonly deliveries: Pick<DeliveryLog, 'waitUntilCaughtUp'>,
    private readonly waits: DeliveryWaits,
    private readonly settings: HandoverSettings,
  ) {}

  /** A new assignment: the grace starts now. */
  begin(): void {
    const graceEnds = Date.now() + this.settings.handoverGraceMs;
    this.fence = (async () => {
      await this.waits.sleepUntil(graceEnds);
      await this.deliveries.waitUntilCaughtUp(this.settings.fenceTimeoutMs);
    })();
  }

  /** Resolves once sending may go on; rejects if the delivery log did not catch up in time. */
  passed(): Promise<void> {
    return this.fence;
  }

  /** After passed() rejected: try the catch-up again a little later. */
  retry(): void {
    this.fence = this.waits
      .sleep(CATCH_UP_RETRY_MS)
      .then(() => this.deliveries.waitUntilCaughtUp(this.settings.fenceTimeoutMs));
  }
}
