import { MINUTE, storeOf, windowResult } from '../testing/fixtures';
import { signalOfWindow } from '../forward-signal/signal';
import { SeriesStore } from './series-store';

const T = Date.parse('2026-11-24T12:00:00.000Z');

describe('SeriesStore', () => {
  it('keeps the latest result per source partition and ignores replays of older ones', () => {
    const store = new SeriesStore();
    const result = (orders: number) => windowResult({ windowStartMs: T, orders, sourcePartition: 1 });
    expect(store.apply(signalOfWindow(result(5), '10'), 0n).changed).toBe(true);
    expect(store.apply(signalOfWindow(result(7), '11'), 1n).changed).toBe(true);
    expect(store.apply(signalOfWindow(result(5), '10'), 2n).changed).toBe(false);
    expect(store.all().next().value!.totals(T)?.orders).toBe(7);
  });

  it('says which signal offset a replay must start at', () => {
    const store = storeOf([
      windowResult({ windowStartMs: T, orders: 1 }),
      windowResult({ windowStartMs: T + MINUTE, orders: 1 }),
      windowResult({ windowStartMs: T, orders: 2 }),
    ]);
    // Window T's latest share came with signal 2, window T+1m's with signal 1.
    expect(store.neededFrom()).toBe(1n);
  });

  it('prunes old windows and idle series, releasing their offsets', () => {
    const store = storeOf([
      windowResult({ windowStartMs: T, orders: 1 }),
      windowResult({ windowStartMs: T + MINUTE, orders: 1 }),
      windowResult({ windowStartMs: T + 2 * MINUTE, orders: 1 }),
      windowResult({ windowStartMs: T, category: 'toys', orders: 1 }),
    ]);
    store.prune(
      () => 2,
      () => T + 2 * MINUTE,
    );
    const kept = [...store.all()];
    expect(kept.map((history) => history.series.category)).toEqual(['electronics']);
    expect([...kept[0]!.windows.keys()]).toEqual([T + MINUTE, T + 2 * MINUTE]);
    expect(store.neededFrom()).toBe(1n);
    expect(store.latestWindowEnd()).toBe(T + 3 * MINUTE);
  });

  it('finishes a window only when every source partition finished it', () => {
    const store = storeOf([
      windowResult({ windowStartMs: T, sourcePartition: 0, final: true }),
      windowResult({ windowStartMs: T, sourcePartition: 1, final: false }),
    ]);
    expect(store.all().next().value!.totals(T)?.final).toBe(false);
  });
});
