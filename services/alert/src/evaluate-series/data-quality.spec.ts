import type { ConsumedMessage } from '@pulse/kafka';
import { DLQ_HEADER } from '@pulse/kafka';
import { MINUTE, ruleOf, storeOf, windowResult } from '../testing/fixtures';
import { signalOfDeadLetter } from '../forward-signal/signal';
import { evaluateDeadLetters, evaluateLateEvents, DEAD_LETTER_SERIES } from './data-quality';
import { SeriesStore } from './series-store';

const T = Date.parse('2026-11-24T12:00:00.000Z');

function deadLetter(partition: number, offset: number, at: number): ConsumedMessage {
  return {
    topic: 'dead-letter',
    partition,
    offset: String(offset),
    key: null,
    value: Buffer.from('{}'),
    headers: { [DLQ_HEADER.deadLetteredAt]: new Date(at).toISOString() },
    timestamp: at - 3_600_000,
  };
}

describe('data quality: dead letters', () => {
  // More than 2 per minute over 5 minutes = more than 10 in the window.
  const rule = ruleOf('data_quality', { window: '5m', maxDeadLetteredPerMinute: 2 });

  function storeWith(count: number): SeriesStore {
    const store = new SeriesStore();
    for (let index = 0; index < count; index += 1) {
      store.apply(signalOfDeadLetter(deadLetter(index % 2, index, T + index * 1000)), BigInt(index));
    }
    return store;
  }

  it('fires above the rate', () => {
    const history = storeWith(11).get(DEAD_LETTER_SERIES);
    expect(evaluateDeadLetters(rule, history, T + 60_000)).toEqual([
      expect.objectContaining({
        active: true,
        value: 2.2,
        threshold: 2,
        identity: { signal: 'dead_letter' },
      }),
    ]);
  });

  it('does not fire at the rate', () => {
    const history = storeWith(10).get(DEAD_LETTER_SERIES);
    expect(evaluateDeadLetters(rule, history, T + 60_000)).toEqual([
      expect.objectContaining({ active: false, value: 2 }),
    ]);
  });

  it('resolves once the dead letters are older than the window', () => {
    const history = storeWith(30).get(DEAD_LETTER_SERIES);
    expect(evaluateDeadLetters(rule, history, T + 60_000)[0]?.active).toBe(true);
    expect(evaluateDeadLetters(rule, history, T + 7 * MINUTE)).toEqual([
      expect.objectContaining({ active: false, value: 0 }),
    ]);
  });

  it('counts a replayed dead letter once', () => {
    const store = storeWith(11);
    store.apply(signalOfDeadLetter(deadLetter(0, 4, T + 4_000)), 99n);
    expect(evaluateDeadLetters(rule, store.get(DEAD_LETTER_SERIES), T + 60_000)[0]?.value).toBe(2.2);
  });
});

describe('data quality: late events', () => {
  const rule = ruleOf('data_quality', { window: '2m', maxLatePerMinute: 5 });

  function total(windowIndex: number, lateEvents: number) {
    return windowResult({
      windowStartMs: T + windowIndex * MINUTE,
      grouping: 'total',
      category: null,
      lateEvents,
    });
  }

  it('fires above the rate over the window, does not at it, and resolves', () => {
    const evaluate = (...results: ReturnType<typeof total>[]) => {
      const history = storeOf(results).all().next().value!;
      const last = results.at(-1)!;
      return evaluateLateEvents(rule, history, Date.parse(last.windowStart))[0];
    };
    expect(evaluate(total(0, 3), total(1, 8))).toMatchObject({ active: true, value: 5.5, threshold: 5 });
    expect(evaluate(total(0, 2), total(1, 8))).toMatchObject({ active: false, value: 5 });
    // Window 0 is outside the 2-minute window ending with window 2.
    expect(evaluate(total(0, 30), total(1, 8), total(2, 1))).toMatchObject({
      active: false,
      canResolve: true,
      value: 4.5,
    });
  });
});
