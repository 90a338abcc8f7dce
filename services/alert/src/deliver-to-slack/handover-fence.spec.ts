import { DeliveryWaits } from './delivery-waits';
import { HandoverFence } from './handover-fence';

describe('HandoverFence', () => {
  it('passes after the grace and the catch-up of the delivery log, in that order', async () => {
    const calls: number[] = [];
    const started = Date.now();
    const fence = new HandoverFence(
      { waitUntilCaughtUp: async () => void calls.push(Date.now() - started) },
      new DeliveryWaits(),
      { handoverGraceMs: 200, fenceTimeoutMs: 1_000 },
    );
    await fence.passed(); // nothing assigned yet: nothing to wait for
    expect(calls).toEqual([]);
    fence.begin();
    await fence.passed();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThanOrEqual(190);
  });

  it('rejects while the delivery log does not catch up, and tries again a second later on retry()', async () => {
    let caughtUp = false;
    const fence = new HandoverFence(
      {
        waitUntilCaughtUp: async () => {
          if (!caughtUp) throw new Error('timed out');
        },
      },
      new DeliveryWaits(),
      { handoverGraceMs: 0, fenceTimeoutMs: 10 },
    );
    fence.begin();
    await expect(fence.passed()).rejects.toThrow('timed out');
    caughtUp = true;
    const started = Date.now();
    fence.retry();
    await fence.passed();
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });
});
