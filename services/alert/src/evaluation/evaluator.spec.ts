import { ContractViolation, type AlertEvent } from '@pulse/contracts';
import { TransientError, topicNames, type ConsumedMessage, type OutgoingRecord } from '@pulse/kafka';
import { createLogger } from '@pulse/observability';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../metrics/alert-metrics';
import { StaticRules } from '../rules/rule-book';
import type { Rule } from '../rules/rule-schema';
import type { AlertLedger } from '../state/alert-state-store';
import { MINUTE, enrichedOrder, inventoryEvent, ruleOf, windowResult } from '../testing/fixtures';
import { Evaluator } from './evaluator';

const topics = topicNames('t.');
const T = Date.parse('2026-11-24T12:00:00.000Z');

class MemoryLedger implements AlertLedger {
  readonly alerts = new Map<string, { event: AlertEvent; origin: string }>();
  get(fingerprint: string) {
    return this.alerts.get(fingerprint)?.event;
  }
  remember(event: AlertEvent, origin: string) {
    this.alerts.set(event.fingerprint, { event, origin });
  }
  forgetUnconfirmed() {
    // Every decision of this fake is confirmed at once.
  }
  firingCount(rule: string) {
    return [...this.alerts.values()].filter(
      (a) => a.event.rule === rule && a.event.state === 'firing' && a.event.labels.overflow === undefined,
    ).length;
  }
  firingFrom(origin: string) {
    return [...this.alerts.values()]
      .filter((a) => a.origin === origin && a.event.state === 'firing')
      .map((a) => a.event);
  }
  waitUntilCaughtUp() {
    return Promise.resolve();
  }
}

function message(
  topic: string,
  partition: number,
  offset: number,
  value: unknown,
  key: string | null = null,
): ConsumedMessage {
  return {
    topic,
    partition,
    offset: String(offset),
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: {},
    timestamp: T,
  };
}

function alertsIn(records: OutgoingRecord[] | void): AlertEvent[] {
  return (records ?? [])
    .filter((r) => r.topic === topics.alerts)
    .map((r) => JSON.parse(String(r.value)) as AlertEvent);
}

function setup(
  rules: Rule[],
  options: {
    now?: number;
    committed?: { offset: string; metadata: string | null };
    maxFiringPerRule?: number;
  } = {},
) {
  let now = options.now ?? T + 10 * MINUTE;
  const ledger = new MemoryLedger();
  const produced: OutgoingRecord[] = [];
  const metrics = new AlertMetrics(new Registry());
  const evaluator = new Evaluator({
    topics,
    rules: new StaticRules(rules),
    store: ledger,
    producer: { send: async (records: OutgoingRecord[]) => void produced.push(...records) },
    committed: async () => options.committed ?? { offset: '-1', metadata: null },
    logger: createLogger('alert-test', 'silent'),
    metrics,
    settings: {
      defaultRepeatIntervalMs: 60 * MINUTE,
      fenceTimeoutMs: 1_000,
      evaluationIntervalMs: 1_000,
      maxFiringPerRule: options.maxFiringPerRule ?? 100,
      links: () => ({}),
    },
    now: () => new Date(now),
  });
  const hooks = evaluator.hooks();
  void hooks.onAssignment?.([
    { topic: topics.eventsEnriched, partition: 0 },
    { topic: topics.alertSignals, partition: 0 },
    { topic: topics.metricsWindowed, partition: 0 },
  ]);
  return { evaluator, hooks, ledger, produced, metrics, setNow: (ms: number) => (now = ms) };
}

/** The evaluator's own path for window results: forward, then handle the signal it produced. */
async function feedWindow(
  evaluator: Evaluator,
  offset: { n: number },
  result: ReturnType<typeof windowResult>,
) {
  const [forwarded] = (await evaluator.handle(message(topics.metricsWindowed, 0, offset.n, result))) ?? [];
  if (!forwarded) return [];
  const signal = message(topics.alertSignals, 0, offset.n, String(forwarded.value), String(forwarded.key));
  offset.n += 1;
  return alertsIn(await evaluator.handle(signal));
}

const spikeRule = ruleOf('revenue_spike', { factor: 3, baselineWindows: 3, minRevenue: 100 });
const usd = (index: number, amount: number, final = true) =>
  windowResult({ windowStartMs: T + index * MINUTE, revenue: { USD: amount }, orders: 1, final });

describe('Evaluator', () => {
  it('forwards watched window results to alerts.signals keyed by series, and skips the rest', async () => {
    const { evaluator } = setup([spikeRule]);
    const [record] = (await evaluator.handle(message(topics.metricsWindowed, 0, 0, usd(0, 1)))) ?? [];
    expect(record).toMatchObject({
      topic: topics.alertSignals,
      key: JSON.stringify(['metrics', 'category', 'electronics', null, MINUTE]),
    });
    const regional = windowResult({ windowStartMs: T, grouping: 'region', category: null, region: 'europe' });
    expect(await evaluator.handle(message(topics.metricsWindowed, 0, 1, regional))).toEqual([]);
  });

  it('dead-letters a window result that breaks the contract', async () => {
    const { evaluator } = setup([spikeRule]);
    await expect(
      evaluator.handle(message(topics.metricsWindowed, 0, 0, { grouping: 'category' })),
    ).rejects.toThrow(ContractViolation);
  });

  it('fires a revenue spike once, then resolves it on a finished normal window', async () => {
    const { evaluator } = setup([spikeRule]);
    const offset = { n: 0 };
    for (const index of [0, 1, 2]) expect(await feedWindow(evaluator, offset, usd(index, 100))).toEqual([]);

    const fired = await feedWindow(evaluator, offset, usd(3, 350, false));
    expect(fired).toEqual([
      expect.objectContaining({ state: 'firing', sequence: 0, value: 350, threshold: 300 }),
    ]);
    expect(await feedWindow(evaluator, offset, usd(3, 500, true))).toEqual([]);
    expect(await feedWindow(evaluator, offset, usd(4, 50, false))).toEqual([]);
    expect(await feedWindow(evaluator, offset, usd(4, 90, true))).toEqual([
      expect.objectContaining({ state: 'resolved', sequence: 1, fingerprint: fired[0]!.fingerprint }),
    ]);
  });

  it('judges the newest window again when an earlier window arrives late', async () => {
    // Windows of one category come from different metrics.windowed partitions, in any order.
    const { evaluator } = setup([spikeRule]);
    const offset = { n: 0 };
    expect(await feedWindow(evaluator, offset, usd(3, 350, false))).toEqual([]);
    expect(await feedWindow(evaluator, offset, usd(0, 100))).toEqual([]);
    expect(await feedWindow(evaluator, offset, usd(2, 100))).toEqual([]);
    expect(await feedWindow(evaluator, offset, usd(1, 100))).toEqual([
      expect.objectContaining({
        state: 'firing',
        value: 350,
        window: expect.objectContaining({ start: new Date(T + 3 * MINUTE).toISOString() }),
      }),
    ]);
  });

  it('rebuilds state from a replay without deciding again, then evaluates past the live edge', async () => {
    const liveEdge = { offset: '0', metadata: JSON.stringify({ liveEdge: '3' }) };
    const { evaluator, hooks } = setup([spikeRule], { committed: liveEdge });
    const offset = { n: 0 };
    // Offsets 0-3 were decided before the restart: even the spike at offset 3 is not written again.
    for (const [index, amount] of [
      [0, 100],
      [1, 100],
      [2, 100],
      [3, 400],
    ] as const) {
      expect(await feedWindow(evaluator, offset, usd(index, amount, false))).toEqual([]);
    }
    const next = await feedWindow(evaluator, offset, usd(3, 450));
    expect(next).toEqual([expect.objectContaining({ state: 'firing', value: 450 })]);
    const commit = await hooks.afterBatch?.({ topic: topics.alertSignals, partition: 0 }, '4');
    // The oldest window held still needs offset 0; the live edge moves to 4.
    expect(commit).toEqual({ offset: '0', metadata: JSON.stringify({ liveEdge: '4' }) });
  });

  it('fires fraud velocity once on a burst and resolves it once the burst is older than the window', async () => {
    const rule = ruleOf('fraud_velocity', { maxOrders: 2, within: '10m', repeatInterval: '30m' });
    const { evaluator, ledger, produced, setNow } = setup([rule], { now: T + MINUTE });
    const orders = [0, 1, 2].map((index) =>
      enrichedOrder({ customer: 'c-1', time: T + index * 1000, amount: 5 }),
    );
    const decided: AlertEvent[] = [];
    for (const [index, order] of orders.entries()) {
      decided.push(
        ...alertsIn(await evaluator.handle(message(topics.eventsEnriched, 0, index, order, 'c-1'))),
      );
    }
    expect(decided).toEqual([
      expect.objectContaining({ state: 'firing', labels: { customer: 'c-1' }, value: 3, threshold: 2 }),
    ]);

    setNow(T + 5 * MINUTE);
    await evaluator.tick();
    expect(alertsIn(produced)).toEqual([]);

    setNow(T + 11 * MINUTE);
    await evaluator.tick();
    expect(alertsIn(produced)).toEqual([expect.objectContaining({ state: 'resolved', sequence: 1 })]);
    expect(ledger.firingFrom(`${topics.eventsEnriched}/0`)).toEqual([]);
  });

  it('counts an order once when the same event (same id) comes again at a later offset', async () => {
    const rule = ruleOf('fraud_velocity', { maxOrders: 1, within: '10m' });
    const { evaluator } = setup([rule], { now: T + MINUTE });
    const order = enrichedOrder({ customer: 'c-1', time: T, amount: 5 });
    // Re-sent by the client, or re-driven from the dead-letter topic: a new offset, the same id.
    const first = await evaluator.handle(message(topics.eventsEnriched, 0, 0, order, 'c-1'));
    const again = await evaluator.handle(message(topics.eventsEnriched, 0, 7, order, 'c-1'));
    expect([...alertsIn(first), ...alertsIn(again)]).toEqual([]);

    const other = enrichedOrder({ customer: 'c-1', time: T + 1000, amount: 5 });
    expect(alertsIn(await evaluator.handle(message(topics.eventsEnriched, 0, 8, other, 'c-1')))).toEqual([
      expect.objectContaining({ state: 'firing', value: 2, threshold: 1 }),
    ]);
  });

  it('caps the firing alerts of a rule: one "too many alerts" notice, the rest only counted', async () => {
    const rule = ruleOf('low_stock', { threshold: 5 });
    const { evaluator, ledger, produced, metrics, setNow } = setup([rule], { now: T, maxFiringPerRule: 10 });
    const decided: AlertEvent[] = [];
    // A flood of made-up products, all "low": far more than the cap.
    for (let index = 0; index < 500; index += 1) {
      const level = inventoryEvent(`fake-${index}`, 0, T);
      decided.push(
        ...alertsIn(await evaluator.handle(message(topics.eventsEnriched, 0, index, level, `fake-${index}`))),
      );
    }
    const notices = decided.filter((alert) => alert.labels.overflow !== undefined);
    expect(decided.filter((alert) => alert.labels.overflow === undefined)).toHaveLength(10);
    expect(notices).toEqual([
      expect.objectContaining({
        rule: 'low-stock',
        state: 'firing',
        value: 10,
        threshold: 10,
        summary: expect.stringContaining('10 alerts of rule low-stock are firing'),
      }),
    ]);
    expect((await metrics.capped.get()).values).toEqual([
      expect.objectContaining({ labels: { rule: 'low-stock' }, value: 490 }),
    ]);

    // No reminders of the notice while over the cap; it resolves once the rule is well below it.
    setNow(T + 5 * 60 * MINUTE);
    await evaluator.tick();
    expect(alertsIn(produced).filter((alert) => alert.labels.overflow !== undefined)).toEqual([]);
    for (let index = 0; index < 2; index += 1) {
      const restocked = inventoryEvent(`fake-${index}`, 50, T + 5 * 60 * MINUTE);
      await evaluator.handle(message(topics.eventsEnriched, 0, 1000 + index, restocked, `fake-${index}`));
    }
    expect(ledger.firingCount('low-stock')).toBe(8);
    await evaluator.tick();
    expect(alertsIn(produced).filter((alert) => alert.labels.overflow !== undefined)).toEqual([
      expect.objectContaining({ state: 'resolved', summary: expect.stringContaining('fewer alerts') }),
    ]);
  });

  it('reminds while an alert keeps firing', async () => {
    const rule = ruleOf('low_stock', { threshold: 5, repeatInterval: '30m' });
    const { evaluator, produced, setNow } = setup([rule], { now: T });
    const inventory = inventoryEvent('p-1', 1, T);
    expect(alertsIn(await evaluator.handle(message(topics.eventsEnriched, 0, 0, inventory, 'p-1')))).toEqual([
      expect.objectContaining({ state: 'firing', sequence: 0 }),
    ]);
    setNow(T + 29 * MINUTE);
    await evaluator.tick();
    expect(produced).toEqual([]);
    setNow(T + 30 * MINUTE);
    await evaluator.tick();
    expect(alertsIn(produced)).toEqual([
      expect.objectContaining({ state: 'firing', sequence: 1, startsAt: new Date(T).toISOString() }),
    ]);
  });

  it('resolves alerts of a rule that was removed', async () => {
    const rule = ruleOf('fraud_velocity', { maxOrders: 1 });
    const rules: Rule[] = [rule];
    const { evaluator, produced } = setup(rules, { now: T });
    for (const index of [0, 1]) {
      await evaluator.handle(
        message(topics.eventsEnriched, 0, index, enrichedOrder({ customer: 'c', time: T, amount: 1 }), 'c'),
      );
    }
    rules.length = 0;
    await evaluator.tick();
    expect(alertsIn(produced)).toEqual([
      expect.objectContaining({ state: 'resolved', summary: expect.stringContaining('rule was removed') }),
    ]);
  });

  it('waits for an assignment before handling a stateful partition', async () => {
    const { evaluator } = setup([spikeRule]);
    await expect(evaluator.handle(message(topics.eventsEnriched, 5, 0, {}))).rejects.toThrow(TransientError);
  });
});
