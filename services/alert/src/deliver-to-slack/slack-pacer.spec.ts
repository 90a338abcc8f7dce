import { DeliveryWaits } from './delivery-waits';
import { SlackPacer } from './slack-pacer';

describe('SlackPacer', () => {
  it('lets the first post go at once and the next one only the interval after it', async () => {
    const pacer = new SlackPacer(new DeliveryWaits(), 300);
    const started = Date.now();
    await pacer.turn();
    expect(Date.now() - started).toBeLessThan(100);
    pacer.posted();
    await pacer.turn();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('does not wait when the interval passed since the last post', async () => {
    const pacer = new SlackPacer(new DeliveryWaits(), 100);
    pacer.posted();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    await pacer.turn();
    expect(Date.now() - started).toBeLessThan(50);
  });
});
