import { context } from '@opentelemetry/api';
import { createLogger } from '@pulse/observability';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../metrics/alert-metrics';
import { alertEvent } from '../testing/fixtures';
import { DeliveryWaits } from './delivery-waits';
import type { OutboxEntry } from './slack-outbox';
import { SlackPacer } from './slack-pacer';
import { SlackSender } from './slack-sender';
import type { SlackResult } from './slack-webhook';

function chunk(): OutboxEntry[] {
  const alert = alertEvent({ fingerprint: 'a' });
  return [
    {
      partition: 0,
      offset: 0n,
      message: {
        topic: 'alerts',
        partition: 0,
        offset: '0',
        key: null,
        value: null,
        headers: {},
        timestamp: 0,
      },
      alert,
      group: alert.rule,
      trace: context.active(),
      generation: 1,
    },
  ];
}

function senderWith(script: SlackResult[], { minIntervalMs = 0 } = {}) {
  const posts: number[] = [];
  const webhook = {
    post: async (): Promise<SlackResult> => {
      posts.push(Date.now());
      return script.shift() ?? { kind: 'ok' };
    },
  };
  const waits = new DeliveryWaits();
  const metrics = new AlertMetrics(new Registry());
  const sender = new SlackSender(
    webhook,
    new SlackPacer(waits, minIntervalMs),
    waits,
    { initialMs: 50, maxMs: 100, factor: 2 },
    metrics,
    createLogger('alert-test', 'silent'),
  );
  return { sender, posts, waits, metrics };
}

describe('SlackSender', () => {
  it("retries what Slack did not take and returns Slack's final answer", async () => {
    const { sender, posts, metrics } = senderWith([
      { kind: 'transient', reason: 'Slack answered 502' },
      { kind: 'permanent', status: 404, reason: 'Slack answered 404: no_service' },
    ]);
    const outcome = await sender.send('g', chunk(), () => true);
    expect(outcome).toEqual({ kind: 'permanent', status: 404, reason: 'Slack answered 404: no_service' });
    expect(posts).toHaveLength(2);
    const attempts = await metrics.deliveryAttempts.get();
    expect(attempts.values.map(({ labels, value }) => [labels.result, value])).toEqual([
      ['transient', 1],
      ['permanent', 1],
    ]);
  });

  it('waits for the Retry-After of a 429 rather than the backoff', async () => {
    const { sender, posts } = senderWith([
      { kind: 'rate_limited', retryAfterMs: 400, reason: 'Slack answered 429' },
    ]);
    expect(await sender.send('g', chunk(), () => true)).toEqual({ kind: 'ok' });
    expect(posts[1]! - posts[0]!).toBeGreaterThanOrEqual(390);
  });

  it('posts nothing once the chunk is no longer current, and stops retrying when it stops being', async () => {
    const idle = senderWith([]);
    expect(await idle.sender.send('g', chunk(), () => false)).toBeNull();
    expect(idle.posts).toEqual([]);

    const failing = senderWith([{ kind: 'transient', reason: 'Slack answered 500' }]);
    let current = true;
    const sending = failing.sender.send('g', chunk(), () => current);
    await new Promise((resolve) => setTimeout(resolve, 10));
    current = false; // a rebalance during the backoff
    expect(await sending).toBeNull();
    expect(failing.posts).toHaveLength(1);
  });

  it('keeps posts the minimum interval apart, retries included', async () => {
    const { sender, posts } = senderWith([{ kind: 'transient', reason: 'Slack answered 503' }], {
      minIntervalMs: 300,
    });
    await sender.send('g', chunk(), () => true);
    expect(posts[1]! - posts[0]!).toBeGreaterThanOrEqual(290);
  });
});
