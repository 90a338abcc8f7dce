import { MINUTE, ruleOf } from '../testing/fixtures';
import { evaluateFraudVelocity } from './fraud-velocity';
import { OrderHistory } from './order-history';

const T = Date.parse('2026-11-24T12:00:00.000Z');

function historyOf(orders: { at: number; value?: number; currency?: string }[]): OrderHistory {
  const history = new OrderHistory();
  orders.forEach(({ at, value = 10, currency = 'USD' }, index) =>
    history.add('c-1', { id: `o-${index}`, time: at, offset: BigInt(index), value, currency }),
  );
  return history;
}

describe('fraud velocity', () => {
  const byCount = ruleOf('fraud_velocity', { maxOrders: 3, within: '10m' });
  const burst = (count: number) => Array.from({ length: count }, (_, index) => ({ at: T + index * MINUTE }));

  it('fires when a customer places more than maxOrders within the window', () => {
    const history = historyOf(burst(4));
    expect(evaluateFraudVelocity(byCount, history, 'c-1', T + 3 * MINUTE, null)).toMatchObject({
      active: true,
      value: 4,
      threshold: 3,
      identity: { customer: 'c-1' },
    });
  });

  it('does not fire at exactly maxOrders', () => {
    expect(evaluateFraudVelocity(byCount, historyOf(burst(3)), 'c-1', T + 2 * MINUTE, null)).toMatchObject({
      active: false,
      value: 3,
    });
  });

  it('counts only orders within the window', () => {
    const spread = [{ at: T }, { at: T + 4 * MINUTE }, { at: T + 8 * MINUTE }, { at: T + 12 * MINUTE }];
    expect(evaluateFraudVelocity(byCount, historyOf(spread), 'c-1', T + 12 * MINUTE, null).value).toBe(3);
  });

  it('resolves once the burst is older than the window', () => {
    const history = historyOf(burst(5));
    expect(evaluateFraudVelocity(byCount, history, 'c-1', T + 4 * MINUTE, null).active).toBe(true);
    expect(evaluateFraudVelocity(byCount, history, 'c-1', T + 20 * MINUTE, null)).toMatchObject({
      active: false,
      canResolve: true,
      value: 0,
    });
  });

  it('fires on value within the window, per currency, and not at the limit', () => {
    const byValue = ruleOf('fraud_velocity', { maxValue: 1000, within: '10m' });
    const orders = [
      { at: T, value: 600 },
      { at: T + MINUTE, value: 400 },
      { at: T + 2 * MINUTE, value: 900, currency: 'EUR' },
    ];
    expect(evaluateFraudVelocity(byValue, historyOf(orders), 'c-1', T + 2 * MINUTE, null)).toMatchObject({
      active: false,
      value: 1000,
      threshold: 1000,
    });
    const more = [...orders, { at: T + 3 * MINUTE, value: 0.5 }];
    expect(evaluateFraudVelocity(byValue, historyOf(more), 'c-1', T + 3 * MINUTE, null)).toMatchObject({
      active: true,
      value: 1000.5,
      summary: expect.stringContaining('1,000.50 USD'),
    });
  });

  it('keeps each order once when a message is handled again', () => {
    const history = new OrderHistory();
    history.add('c-1', { id: 'o-7', time: T, offset: 7n, value: 1, currency: 'USD' });
    history.add('c-1', { id: 'o-7', time: T, offset: 7n, value: 1, currency: 'USD' });
    expect(history.between('c-1', T - 1, T)).toHaveLength(1);
  });

  it('counts an order once by its event id, at whatever offsets it arrives; different ids twice', () => {
    const history = new OrderHistory();
    history.add('c-1', { id: 'o-1', time: T, offset: 7n, value: 1, currency: 'USD' });
    history.add('c-1', { id: 'o-1', time: T, offset: 42n, value: 1, currency: 'USD' });
    expect(history.between('c-1', T - 1, T)).toHaveLength(1);
    // A replay must still start at the first copy.
    expect(history.neededFrom()).toBe(7n);
    history.add('c-1', { id: 'o-2', time: T, offset: 43n, value: 1, currency: 'USD' });
    expect(history.between('c-1', T - 1, T)).toHaveLength(2);
  });

  it('forgets orders beyond the horizon and releases their offsets', () => {
    const history = historyOf([{ at: T }, { at: T + 5 * MINUTE }, { at: T + 20 * MINUTE }]);
    history.prune(10 * MINUTE);
    expect(history.neededFrom()).toBe(2n);
  });
});
