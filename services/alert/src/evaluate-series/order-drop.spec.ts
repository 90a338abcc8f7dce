import type { WindowedMetric } from '@pulse/contracts';
import { MINUTE, ruleOf, storeOf, windowResult } from '../testing/fixtures';
import { evaluateOrderDrop } from './order-drop';

const T = Date.parse('2026-11-24T12:00:00.000Z');
const rule = ruleOf('order_drop', {
  factor: 0.5,
  baselineWindows: 3,
  consecutiveWindows: 2,
  minBaselineOrders: 5,
});

function total(windowIndex: number, orders: number, final = true): WindowedMetric {
  return windowResult({
    windowStartMs: T + windowIndex * MINUTE,
    grouping: 'total',
    category: null,
    orders,
    views: 100,
    final,
  });
}

function evaluateAt(windowIndex: number, results: WindowedMetric[]) {
  const history = storeOf(results).all().next().value!;
  return evaluateOrderDrop(rule, history, T + windowIndex * MINUTE);
}

/** Baseline 20 orders per window (threshold 10), then the windows given. */
const normal = [total(0, 20), total(1, 20), total(2, 20)];

describe('order drop', () => {
  it('fires after consecutiveWindows finished windows below factor × baseline', () => {
    expect(evaluateAt(4, [...normal, total(3, 9), total(4, 2)])).toEqual([
      expect.objectContaining({ active: true, value: 2, threshold: 10, identity: {} }),
    ]);
  });

  it('does not fire on a single low window', () => {
    expect(evaluateAt(4, [...normal, total(3, 20), total(4, 0)])).toEqual([
      expect.objectContaining({ active: false }),
    ]);
  });

  it('does not fire at exactly the threshold', () => {
    expect(evaluateAt(4, [...normal, total(3, 10), total(4, 10)])).toEqual([
      expect.objectContaining({ active: false, threshold: 10 }),
    ]);
  });

  it('does not judge an unfinished window', () => {
    expect(evaluateAt(4, [...normal, total(3, 0), total(4, 0, false)])).toEqual([]);
  });

  it('stays quiet when the baseline is too small to mean anything', () => {
    const small = [total(0, 4), total(1, 4), total(2, 4), total(3, 0), total(4, 0)];
    expect(evaluateAt(4, small)).toEqual([expect.objectContaining({ active: false })]);
  });

  it('resolves once orders are back', () => {
    expect(evaluateAt(5, [...normal, total(3, 0), total(4, 0), total(5, 18)])).toEqual([
      expect.objectContaining({ active: false, canResolve: true, value: 18 }),
    ]);
  });
});
