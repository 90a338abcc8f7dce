import type { WindowedMetric } from '@pulse/contracts';
import { MINUTE, ruleOf, storeOf, windowResult } from '../testing/fixtures';
import { evaluateRevenueSpike } from './revenue-spike';

const T = Date.parse('2026-11-24T12:00:00.000Z');
const rule = ruleOf('revenue_spike', { factor: 3, baselineWindows: 3, minRevenue: 200 });

function usd(windowIndex: number, amount: number, overrides: Partial<WindowedMetric> = {}): WindowedMetric {
  return windowResult({
    windowStartMs: T + windowIndex * MINUTE,
    revenue: { USD: amount },
    orders: 1,
    ...overrides,
  });
}

/** Three normal windows of 100 USD (baseline 100, spike level 300), then window 3. */
function evaluate(...current: WindowedMetric[]) {
  const store = storeOf([usd(0, 100), usd(1, 100), usd(2, 100), ...current]);
  const history = store.all().next().value!;
  return evaluateRevenueSpike(rule, history, T + 3 * MINUTE);
}

describe('revenue spike', () => {
  it('fires above factor × baseline and the floor', () => {
    expect(evaluate(usd(3, 301))).toEqual([
      expect.objectContaining({
        active: true,
        value: 301,
        threshold: 300,
        identity: { category: 'electronics', currency: 'USD' },
        window: {
          start: new Date(T + 3 * MINUTE).toISOString(),
          end: new Date(T + 4 * MINUTE).toISOString(),
        },
        windowSizeMs: MINUTE,
        summary: expect.stringContaining('3.0× the baseline'),
      }),
    ]);
  });

  it('does not fire at exactly factor × baseline', () => {
    expect(evaluate(usd(3, 300))).toEqual([expect.objectContaining({ active: false, threshold: 300 })]);
  });

  it('does not fire below the absolute floor, however large the ratio', () => {
    const quiet = ruleOf('revenue_spike', { factor: 3, baselineWindows: 3, minRevenue: 1_000 });
    const store = storeOf([usd(0, 10), usd(1, 10), usd(2, 10), usd(3, 900)]);
    expect(evaluateRevenueSpike(quiet, store.all().next().value!, T + 3 * MINUTE)).toEqual([
      expect.objectContaining({ active: false, threshold: 1_000, value: 900 }),
    ]);
  });

  it('sums the latest result of every source partition', () => {
    // 200 + 150 = 350 > 300; each alone is below. A newer result of partition 0 replaces its older one.
    const fired = evaluate(
      usd(3, 120, { sourcePartition: 0 }),
      usd(3, 150, { sourcePartition: 1 }),
      usd(3, 200, { sourcePartition: 0 }),
    );
    expect(fired).toEqual([expect.objectContaining({ active: true, value: 350 })]);
  });

  it('weights recent windows more (EWMA)', () => {
    const store = storeOf([usd(0, 100), usd(1, 200), usd(2, 600)]);
    const twoWindows = ruleOf('revenue_spike', { factor: 1, baselineWindows: 2, minBaselineWindows: 2 });
    // alpha = 2 / (2 + 1): 100 → 2/3 × 200 + 1/3 × 100 = 166.67
    const [observation] = evaluateRevenueSpike(twoWindows, store.all().next().value!, T + 2 * MINUTE);
    expect(observation?.threshold).toBeCloseTo(166.667, 2);
  });

  it('leaves windows without a result out of the baseline (unknown, not zero)', () => {
    const lenient = ruleOf('revenue_spike', {
      factor: 3,
      baselineWindows: 3,
      minBaselineWindows: 1,
      minRevenue: 0,
    });
    const store = storeOf([usd(0, 90), usd(3, 280)]);
    const [observation] = evaluateRevenueSpike(lenient, store.all().next().value!, T + 3 * MINUTE);
    expect(observation).toMatchObject({ active: true, threshold: 270 });
    expect(evaluateRevenueSpike(rule, store.all().next().value!, T + 3 * MINUTE)).toEqual([]);
  });

  it('stays quiet without enough earlier windows', () => {
    const store = storeOf([usd(1, 100), usd(2, 100), usd(3, 1000)]);
    expect(evaluateRevenueSpike(rule, store.all().next().value!, T + 3 * MINUTE)).toEqual([]);
  });

  it('lets a finished normal window resolve, but not an unfinished one', () => {
    expect(evaluate(usd(3, 100))).toEqual([expect.objectContaining({ active: false, canResolve: true })]);
    expect(evaluate(usd(3, 100, { final: false }))).toEqual([
      expect.objectContaining({ active: false, canResolve: false }),
    ]);
  });

  it('judges a currency that stopped selling as zero so its alert can resolve', () => {
    const observations = evaluate(usd(3, 0, { revenue: { EUR: 50 } }));
    expect(observations.map((o) => [o.identity.currency, o.value, o.active])).toEqual([
      ['EUR', 50, false],
      ['USD', 0, false],
    ]);
  });
});
