import type { DeliveryWaits } from './delivery-waits';

/** Keeps posts to the webhook at least `minIntervalMs` apart (Slack allows about one a second). */
export class SlackPacer {
  private lastPostAt = 0;

  constructor(
    private readonly waits: DeliveryWaits,
    private readonly minIntervalMs: number,
  ) {}

  /** Waits until the next post may go (cut short only by a rebalance or stop()). */
  turn(): Promise<void> {
    return this.waits.sleep(this.lastPostAt + this.minIntervalMs - Date.now());
  }

  /** A post was answered: the interval counts from now. */
  posted(): void {
    this.lastPostAt = Date.now();
  }
}
