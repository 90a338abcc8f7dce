import { DeliveryWaits } from './delivery-waits';

/** Resolves to how long `wait` took, in ms. */
async function timed(wait: Promise<void>): Promise<number> {
  const started = Date.now();
  await wait;
  return Date.now() - started;
}

describe('DeliveryWaits', () => {
  it('lets a new record end only the idle wait, not a backoff', async () => {
    const waits = new DeliveryWaits();
    const idle = timed(waits.sleep(5_000, { onRecord: true }));
    const backoff = timed(waits.sleep(300));
    waits.wake('record');
    expect(await idle).toBeLessThan(100);
    expect(await backoff).toBeGreaterThanOrEqual(290);
  });

  it('lets a rebalance end every wait but the one until a deadline', async () => {
    const waits = new DeliveryWaits();
    const backoff = timed(waits.sleep(5_000));
    const grace = timed(waits.sleepUntil(Date.now() + 300));
    waits.wake('control');
    expect(await backoff).toBeLessThan(100);
    expect(await grace).toBeGreaterThanOrEqual(290);
  });

  it('ends every wait on stop() and begins none after it until resume()', async () => {
    const waits = new DeliveryWaits();
    const grace = timed(waits.sleepUntil(Date.now() + 60_000));
    waits.stop();
    expect(await grace).toBeLessThan(100);
    expect(await timed(waits.sleep(5_000))).toBeLessThan(100);
    waits.resume();
    expect(await timed(waits.sleep(200))).toBeGreaterThanOrEqual(190);
  });
});
