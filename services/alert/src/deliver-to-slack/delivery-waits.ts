/**
 * The waits of the Slack delivery loop (hand-over grace, pacing, backoff, idle), and what may
 * end them early: a rebalance or stop() ends every wait, a new record only the idle one (a
 * backoff or Retry-After wait must not hit the webhook earlier).
 */
export class DeliveryWaits {
  private readonly waiters = new Set<{ onRecord: boolean; wake: () => void }>();
  /** Set by stop(): the one thing that ends a hand-over wait before its time. */
  private stopping = false;

  /** A new record wakes only the idle wait; a rebalance or stop() wakes every wait. */
  wake(reason: 'record' | 'control'): void {
    for (const waiter of [...this.waiters]) if (reason === 'control' || waiter.onRecord) waiter.wake();
  }

  /** Waits may begin again (the loop starts). */
  resume(): void {
    this.stopping = false;
  }

  /** Ends every wait and lets none begin until resume(). */
  stop(): void {
    this.stopping = true;
    this.wake('control');
  }

  /**
   * Sleeps up to `ms`, cut short by a rebalance or stop() — and by a new record if `onRecord`
   * (backoff and Retry-After waits are not: the webhook must not be hit earlier).
   */
  sleep(ms: number, { onRecord = false }: { onRecord?: boolean } = {}): Promise<void> {
    // Once stop() asked, no wait begins: its wake-up may have come while the loop was elsewhere.
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        onRecord,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      this.waiters.add(waiter);
    });
  }

  /**
   * Sleeps until `deadline` whatever wakes the loop meanwhile (this assignment's own wake-up,
   * records, a later rebalance); only stop() ends it early. The hand-over grace must run out
   * whole: a previous owner's request to Slack may still be in flight until then.
   */
  async sleepUntil(deadline: number): Promise<void> {
    while (!this.stopping && Date.now() < deadline) await this.sleep(deadline - Date.now());
  }
}
