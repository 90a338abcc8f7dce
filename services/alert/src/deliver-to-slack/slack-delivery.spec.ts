import { ContractViolation, type AlertEvent } from '@pulse/contracts';
import { PoisonMessageError, type ConsumedMessage } from '@pulse/kafka';
import { createLogger } from '@pulse/observability';
import { waitFor } from '@pulse/testing';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../metrics/alert-metrics';
import { StaticRules } from '../rules/rule-book';
import { alertEvent, ruleOf } from '../testing/fixtures';
import type { Delivery } from '../state/delivery-log';
import { DeliveryRecorder } from './delivery-recorder';
import { DeliveryWaits } from './delivery-waits';
import { HandoverFence } from './handover-fence';
import { SlackDelivery } from './slack-delivery';
import { SlackOutbox } from './slack-outbox';
import { SlackPacer } from './slack-pacer';
import { SlackSender } from './slack-sender';
import type { SlackPayload } from './slack-message';
import type { SlackResult } from './slack-webhook';

class ScriptedWebhook {
  readonly posts: { at: number; payload: SlackPayload; result: SlackResult }[] = [];
  /** While set, a request stays in flight until release() (to act while one is under way). */
  private held: (() => void)[] | null = null;
  /** An Error in the script is thrown by that request, as a broken client would. */
  constructor(private readonly script: (SlackResult | Error)[] = []) {}
  async post(payload: unknown): Promise<SlackResult> {
    const next = this.script.shift() ?? { kind: 'ok' };
    if (next instanceof Error) throw next;
    const result = next;
    this.posts.push({ at: Date.now(), payload: payload as SlackPayload, result });
    const held = this.held;
    if (held) await new Promise<void>((resolve) => held.push(resolve));
    return result;
  }
  hold(): void {
    this.held = [];
  }
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((resolve) => resolve());
  }
  delivered(): SlackPayload[] {
    return this.posts.filter((post) => post.result.kind === 'ok').map((post) => post.payload);
  }
}

class MemoryDeliveries {
  readonly records: Delivery[] = [];
  private readonly highest = new Map<string, number>();
  handled(channel: string, fingerprint: string, sequence: number): boolean {
    return (this.highest.get(`${channel}/${fingerprint}`) ?? -1) >= sequence;
  }
  async record(deliveries: Delivery[]): Promise<void> {
    this.records.push(...deliveries);
    for (const d of deliveries) {
      const key = `${d.channel}/${d.fingerprint}`;
      this.highest.set(key, Math.max(this.highest.get(key) ?? -1, d.sequence));
    }
  }
  waitUntilCaughtUp(): Promise<void> {
    return Promise.resolve();
  }
}

const TOPIC = 'alerts';
let offset = 0;

function record(alert: AlertEvent, partition = 0): ConsumedMessage {
  return {
    topic: TOPIC,
    partition,
    offset: String(offset++),
    key: Buffer.from(alert.fingerprint),
    value: Buffer.from(JSON.stringify(alert)),
    headers: {},
    timestamp: Date.now(),
  };
}

function firing(
  fingerprint: string,
  rule = 'revenue-spike',
  overrides: Partial<AlertEvent> = {},
): AlertEvent {
  const now = new Date().toISOString();
  return alertEvent({ fingerprint, rule, startsAt: now, updatedAt: now, ...overrides });
}

interface DeadLettered {
  messages: readonly ConsumedMessage[];
  error: unknown;
}

function setup(
  script: (SlackResult | Error)[] = [],
  silenced: (alert: AlertEvent) => string[] = () => [],
  handoverGraceMs = 0,
  { retentionMs = 24 * 3_600_000, groupWaitMs = 150, minIntervalMs = 0 } = {},
) {
  const webhook = new ScriptedWebhook(script);
  const deliveries = new MemoryDeliveries();
  const deadLettered: DeadLettered[] = [];
  const logger = createLogger('alert-test', 'silent');
  const metrics = new AlertMetrics(new Registry());
  const backoff = { initialMs: 1_000, maxMs: 200, factor: 2 };
  // Wired as slack.providers.ts wires them.
  const waits = new DeliveryWaits();
  const fence = new HandoverFence(deliveries, waits, { handoverGraceMs, fenceTimeoutMs: 1_000 });
  const outbox = new SlackOutbox(
    new StaticRules([ruleOf('fraud_velocity', { maxOrders: 1, group: 'fraud' })]),
    fence,
    waits,
    groupWaitMs,
  );
  const silences = { silencing: silenced };
  const delivery = new SlackDelivery({
    outbox,
    fence,
    waits,
    sender: new SlackSender(webhook, new SlackPacer(waits, minIntervalMs), waits, backoff, metrics, logger),
    recorder: new DeliveryRecorder(deliveries, waits, backoff, logger),
    deliveries,
    silences,
    metrics,
    logger,
    backoff,
    retentionMs,
  });
  // The consumer's view: the runner hands records to the outbox; the loop stops with the service.
  const notifier = {
    handle: (message: ConsumedMessage) => outbox.handle(message),
    hooks: () => outbox.hooks(),
    pending: () => outbox.pending(),
    stop: () => delivery.stop(),
  };
  const hooks = notifier.hooks();
  void hooks.onAssignment?.([
    { topic: TOPIC, partition: 0 },
    { topic: TOPIC, partition: 1 },
  ]);
  delivery.start({
    deadLetter: async (messages: readonly ConsumedMessage[], error: unknown) =>
      void deadLettered.push({ messages, error }),
  });
  const commitPoint = (partition: number, last: string) =>
    hooks.afterBatch?.({ topic: TOPIC, partition }, last);
  return { notifier, webhook, deliveries, deadLettered, commitPoint };
}

describe('Slack delivery (outbox and delivery loop)', () => {
  let running: { stop(): Promise<void> } | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('sends nothing until the hand-over grace after an assignment has run out, whatever wakes it', async () => {
    const assignedAt = Date.now();
    const { notifier, webhook } = setup([], () => [], 800);
    running = notifier;
    notifier.handle(record(firing('a')));
    await new Promise((resolve) => setTimeout(resolve, 300));
    notifier.handle(record(firing('b'))); // a record wakes the loop; the grace still holds
    await waitFor('the message', () => webhook.posts.length === 1, { timeoutMs: 3_000 });
    expect(webhook.posts[0]!.at - assignedAt).toBeGreaterThanOrEqual(800);
  });

  it('ends the hand-over grace at once on stop', async () => {
    const { notifier } = setup([], () => [], 60_000);
    const started = Date.now();
    await notifier.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('groups alerts of one group that arrive within the group wait into one message', async () => {
    const { notifier, webhook, commitPoint } = setup();
    running = notifier;
    const first = record(firing('a', 'fraud-velocity'), 0);
    notifier.handle(first);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = record(firing('b', 'fraud-velocity'), 1);
    notifier.handle(second);
    notifier.handle(record(firing('c', 'revenue-spike'), 1));

    // Nothing is committed past a record not yet delivered.
    expect(await commitPoint(0, first.offset)).toEqual({ offset: first.offset });

    await waitFor('two messages', () => webhook.posts.length === 2, { timeoutMs: 3_000 });
    const [fraud, spike] = webhook.delivered();
    expect(fraud?.text).toMatch(/^FIRING 2 firing · fraud/);
    expect(JSON.stringify(fraud?.blocks)).toContain('`a`');
    expect(JSON.stringify(fraud?.blocks)).toContain('`b`');
    expect(spike?.text).toMatch(/^FIRING 1 firing · revenue-spike/);
    expect(
      webhook.posts[0]!.at - Date.parse(JSON.parse(first.value!.toString()).updatedAt),
    ).toBeGreaterThanOrEqual(140);
    expect(await commitPoint(0, first.offset)).toEqual({ offset: String(Number(first.offset) + 1) });
    expect(notifier.pending()).toBe(0);
  });

  it('skips what the delivery log already holds and sends only the newest state of an alert', async () => {
    const { notifier, webhook, deliveries } = setup();
    running = notifier;
    await deliveries.record([
      { channel: 'slack', fingerprint: 'old', sequence: 0, state: 'firing', outcome: 'delivered', at: '' },
    ]);
    notifier.handle(record(firing('old')));
    notifier.handle(record(firing('x')));
    notifier.handle(record(firing('x', 'revenue-spike', { state: 'resolved', sequence: 1 })));
    await waitFor('one message', () => webhook.posts.length === 1 && notifier.pending() === 0, {
      timeoutMs: 3_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(webhook.posts).toHaveLength(1);
    expect(webhook.delivered()[0]?.text).toMatch(/^RESOLVED 1 resolved/);
    expect(deliveries.records.map((d) => [d.fingerprint, d.sequence, d.outcome])).toEqual([
      ['old', 0, 'delivered'],
      ['x', 1, 'delivered'],
    ]);
  });

  it('does not send silenced alerts, and records them as silenced', async () => {
    const { notifier, webhook, deliveries } = setup([], (alert) =>
      alert.labels.category === 'toys' ? ['s-1'] : [],
    );
    running = notifier;
    notifier.handle(record(firing('t', 'revenue-spike', { labels: { category: 'toys' } })));
    await waitFor('settled', () => notifier.pending() === 0, { timeoutMs: 3_000 });
    expect(webhook.posts).toEqual([]);
    expect(deliveries.records).toEqual([expect.objectContaining({ fingerprint: 't', outcome: 'silenced' })]);
  });

  it('retries after 5xx, honours Retry-After on 429, and delivers once', async () => {
    const { notifier, webhook } = setup([
      { kind: 'transient', reason: 'Slack answered 500' },
      { kind: 'rate_limited', retryAfterMs: 1_000, reason: 'Slack answered 429' },
    ]);
    running = notifier;
    notifier.handle(record(firing('r')));
    await waitFor('delivered', () => webhook.delivered().length === 1, { timeoutMs: 5_000 });
    expect(webhook.posts.map((post) => post.result.kind)).toEqual(['transient', 'rate_limited', 'ok']);
    expect(webhook.posts[2]!.at - webhook.posts[1]!.at).toBeGreaterThanOrEqual(990);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(webhook.posts).toHaveLength(3);
  });

  it('tries again what an unexpected failure interrupted, instead of holding the commit', async () => {
    const { notifier, webhook, commitPoint } = setup([new Error('client bug')]);
    running = notifier;
    const first = record(firing('a', 'fraud-velocity'), 0);
    notifier.handle(first);
    notifier.handle(record(firing('b', 'fraud-velocity'), 0));

    await waitFor('the message after the failure', () => webhook.delivered().length === 1, {
      timeoutMs: 3_000,
    });
    expect(JSON.stringify(webhook.delivered()[0]?.blocks)).toContain('`a`');
    expect(JSON.stringify(webhook.delivered()[0]?.blocks)).toContain('`b`');
    await waitFor('both settled', () => notifier.pending() === 0, { timeoutMs: 3_000 });
    expect(await commitPoint(0, String(Number(first.offset) + 1))).toEqual({
      offset: String(Number(first.offset) + 2),
    });
  });

  it('dead-letters alerts Slack refuses for good through the runner, with the reason, and moves on', async () => {
    const { notifier, webhook, deadLettered, commitPoint } = setup([
      { kind: 'permanent', status: 410, reason: 'Slack answered 410: channel_is_archived' },
    ]);
    running = notifier;
    const refused = record(firing('gone'));
    notifier.handle(refused);
    await waitFor('settled', () => notifier.pending() === 0, { timeoutMs: 3_000 });
    expect(webhook.posts).toHaveLength(1);
    // The consumed record itself goes to the runner's dead-letter path (record format, trace and
    // metric are the runner's: consumer-runner.spec.ts).
    expect(deadLettered).toEqual([{ messages: [refused], error: expect.any(PoisonMessageError) }]);
    const error = deadLettered[0]!.error as PoisonMessageError;
    expect(error.errorClass).toBe('SlackRejected');
    expect(error.message).toContain('410: channel_is_archived');
    expect(await commitPoint(0, refused.offset)).toEqual({ offset: String(Number(refused.offset) + 1) });
  });

  it('does not record a dead-lettered notification as handled: its re-drive is delivered, once', async () => {
    const { notifier, webhook, deliveries, deadLettered } = setup([
      { kind: 'permanent', status: 404, reason: 'Slack answered 404: no_service' },
    ]);
    running = notifier;
    const refused = record(firing('lost'));
    notifier.handle(refused);
    await waitFor('dead-lettered', () => deadLettered.length === 1 && notifier.pending() === 0, {
      timeoutMs: 3_000,
    });
    expect(deliveries.handled('slack', 'lost', 0)).toBe(false);

    // `pulse dlq redrive`: the same bytes back on the alerts topic, at a new offset.
    const redriven = { ...refused, offset: String(offset++) };
    notifier.handle(redriven);
    await waitFor('delivered', () => webhook.delivered().length === 1 && notifier.pending() === 0, {
      timeoutMs: 3_000,
    });
    expect(deliveries.records).toEqual([
      expect.objectContaining({ fingerprint: 'lost', sequence: 0, outcome: 'delivered' }),
    ]);
    // A second re-drive (or a replay) of it is now a duplicate.
    notifier.handle({ ...refused, offset: String(offset++) });
    await waitFor('settled', () => notifier.pending() === 0, { timeoutMs: 3_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(webhook.delivered()).toHaveLength(1);
  });

  it('delivers a critical alert before a flood of warnings, within one message of its arrival', async () => {
    const { notifier, webhook } = setup([], () => [], 0, { groupWaitMs: 0 });
    running = notifier;
    const floodSize = 3_000;
    for (let index = 0; index < floodSize; index += 1) {
      notifier.handle(record(firing(`w-${index}`, 'low-stock', { severity: 'warning' }), index % 2));
    }
    webhook.hold();
    await waitFor('the first message of the flood in flight', () => webhook.posts.length === 1, {
      timeoutMs: 3_000,
    });
    notifier.handle(record(firing('crit', 'revenue-spike', { severity: 'critical' }), 1));
    webhook.release();

    // SLO: the critical alert is the next message after the one in flight when it arrived, ahead
    // of the 2,988 warnings still waiting.
    await waitFor('the critical alert', () => whereIs('`crit`') >= 0, { timeoutMs: 10_000 });
    expect(whereIs('`crit`')).toBe(1);
    expect(webhook.posts[1]!.payload.text).toMatch(/^FIRING 1 firing · revenue-spike/);

    // Every warning is still delivered, each once.
    await waitFor('the flood', () => notifier.pending() === 0, { timeoutMs: 20_000 });
    const sent = webhook.posts.flatMap((post) => JSON.stringify(post.payload.blocks).match(/`w-\d+`/g) ?? []);
    expect(sent).toHaveLength(floodSize);
    expect(new Set(sent).size).toBe(floodSize);

    function whereIs(fingerprint: string): number {
      return webhook.posts.findIndex((post) => JSON.stringify(post.payload.blocks).includes(fingerprint));
    }
  }, 30_000);

  it('keeps an alert firing before resolved when its records arrive during a flood', async () => {
    const { notifier, webhook } = setup([], () => [], 0, { groupWaitMs: 0 });
    running = notifier;
    for (let index = 0; index < 100; index += 1) {
      notifier.handle(record(firing(`w-${index}`, 'low-stock', { severity: 'warning' })));
    }
    notifier.handle(record(firing('x', 'revenue-spike', { severity: 'critical' })));
    await waitFor(
      'x fired',
      () => webhook.posts.some((post) => post.payload.text.includes('FIRING 1 firing · revenue-spike')),
      {
        timeoutMs: 3_000,
      },
    );
    notifier.handle(
      record(firing('x', 'revenue-spike', { severity: 'critical', state: 'resolved', sequence: 1 })),
    );
    await waitFor('settled', () => notifier.pending() === 0, { timeoutMs: 10_000 });
    const states = webhook.posts
      .filter((post) => post.payload.text.includes('revenue-spike'))
      .map((post) => post.payload.text.split(' ')[0]);
    expect(states).toEqual(['FIRING', 'RESOLVED']);
  });

  it('does not send records older than the retention: the delivery log no longer knows them', async () => {
    const { notifier, webhook } = setup([], () => [], 0, { retentionMs: 3_600_000 });
    running = notifier;
    const old = new Date(Date.now() - 2 * 3_600_000).toISOString();
    notifier.handle(record(firing('ancient', 'revenue-spike', { startsAt: old, updatedAt: old })));
    notifier.handle(record(firing('fresh')));
    await waitFor('settled', () => notifier.pending() === 0, { timeoutMs: 3_000 });
    expect(webhook.posts).toHaveLength(1);
    expect(JSON.stringify(webhook.posts[0]!.payload.blocks)).toContain('`fresh`');
    expect(JSON.stringify(webhook.posts[0]!.payload.blocks)).not.toContain('`ancient`');
  });

  it('starts over after a rebalance: records of the old assignment are dropped, not sent', async () => {
    const { notifier, webhook } = setup();
    running = notifier;
    notifier.handle(record(firing('before')));
    void notifier.hooks().onAssignment?.([{ topic: TOPIC, partition: 1 }]);
    expect(notifier.pending()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(webhook.posts).toEqual([]);
  });

  it('refuses a record that is not an alert as a contract violation (poison: dead-lettered at once)', () => {
    const { notifier } = setup();
    running = notifier;
    expect(() => notifier.handle({ ...record(firing('z')), value: Buffer.from('{"state":"odd"}') })).toThrow(
      ContractViolation,
    );
  });
});
