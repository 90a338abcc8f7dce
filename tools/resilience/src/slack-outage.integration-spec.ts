import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName, waitFor } from '@pulse/testing';
import { AcknowledgingClient } from './support/acknowledging-client';
import { alertRecords, lifecycleViolations, transitionKey } from './support/alerts-topic';
import { Deployment } from './support/deployment';
import { customerId, orderOf, stockLevelOf } from './support/shop-events';
import { repeated, transitionsIn } from './support/slack-alerts';
import { Timeline } from './support/timeline';

const OUTAGE_MS = 30_000;
const DRAINED = ['p-0001', 'p-0002', 'p-0003', 'p-0004'];
const FRAUDSTER = customerId(2);
const MAX_ORDERS = 3;

const RULES = `rules:
  - name: stock-out
    kind: low_stock
    severity: warning
    threshold: 1
    perWarehouse: false
  - name: fraud-velocity
    kind: fraud_velocity
    severity: critical
    maxOrders: ${MAX_ORDERS}
    within: 1m
`;

/**
 * Slack answers 503 for 30 s while alerts fire (four stock-outs, one fraud burst: two groups,
 * so two messages). The notifier must keep the alerts (nothing committed past an undelivered
 * one), retry with backoff, and deliver each alert exactly once after Slack recovers — no loss,
 * no repeat of what a failed attempt carried.
 */
describe('the Slack webhook failing for 30 s', () => {
  const timeline = new Timeline('Slack outage');
  const abort = new AbortController();
  let deployment: Deployment | undefined;
  let expected: string[] = [];

  beforeAll(async () => {
    deployment = await Deployment.start({
      label: 'slack_outage',
      services: ['ingestion', 'enrichment', 'alert'],
      alertRules: RULES,
      env: {
        PULSE_CONSUMER_START: 'earliest',
        PULSE_ALERT_GROUP_WAIT: '1s',
        // Retries at most 5 s apart: after the outage, delivery follows within seconds.
        PULSE_SLACK_MAX_BACKOFF: '5s',
      },
    });
    timeline.mark('services ready');
    deployment.slack.failFor(OUTAGE_MS, 503);
    const outageEnds = timeline.mark('Slack failing') + OUTAGE_MS;

    const client = new AcknowledgingClient({
      target: deployment.url('ingestion'),
      apiKey: deployment.credentials.apiKey,
      giveUpAfterMs: 30_000,
      signal: abort.signal,
    });
    const run = uniqueName('slack_outage');
    await client.sendBatch([
      ...DRAINED.map((productId, index) => stockLevelOf(`${run}-stock-${index}`, productId, 0)),
      ...Array.from({ length: MAX_ORDERS + 1 }, (_, index) =>
        orderOf(`${run}-order-${index}`, FRAUDSTER, { productId: 'p-0005', quantity: 1, unitPrice: 80 }),
      ),
    ]);
    timeline.mark('alerting events acknowledged');

    expected = await waitFor(
      'five firing alerts on the alerts topic',
      async () => {
        const records = await alertRecords(deployment!.topics.kafka, deployment!.topics.names.alerts);
        return records.length >= DRAINED.length + 1 ? records.map(transitionKey) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    timeline.mark('alerts fired');
    await waitFor('a delivery attempt during the outage', () => deployment!.slack.refusedDuringOutage > 0, {
      timeoutMs: Math.max(1_000, outageEnds - Date.now() - 1_000),
      intervalMs: 250,
    });
    timeline.mark('first delivery refused');
    await sleep(Math.max(0, outageEnds - Date.now()));
    timeline.mark('Slack back');
    await waitFor(
      'every alert delivered to Slack',
      () => expected.every((key) => deployment!.slack.messages.some((m) => transitionsIn(m).includes(key))),
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch(() => undefined);
    timeline.mark('all delivered (or gave up waiting)');
    // Long enough for any repeat to show: group wait, a backoff ceiling and the minimum interval.
    await sleep(8_000);
    timeline.note(
      `Slack refused ${deployment.slack.refusedDuringOutage} deliveries during the outage, ` +
        `then accepted ${deployment.slack.messages.length} messages`,
    );
  }, 240_000);

  afterAll(async () => {
    abort.abort();
    console.log(timeline.toString());
    await deployment?.stop();
  }, 60_000);

  it('fired the expected alerts, once each', async () => {
    const records = await alertRecords(deployment!.topics.kafka, deployment!.topics.names.alerts);
    expect(lifecycleViolations(records)).toEqual([]);
    const subjects = records.map(
      (alert) => `${alert.rule} ${alert.state} ${alert.labels.product ?? alert.labels.customer}`,
    );
    expect(subjects.sort()).toEqual(
      [
        ...DRAINED.map((product) => `stock-out firing ${product}`),
        `fraud-velocity firing ${FRAUDSTER}`,
      ].sort(),
    );
  });

  it('tried to deliver during the outage and kept nothing the webhook refused', () => {
    expect(deployment!.slack.refusedDuringOutage).toBeGreaterThan(0);
    const early = deployment!.slack.messages.filter(
      (message) => message.receivedAt.getTime() < timeline.at('Slack back'),
    );
    expect(early).toEqual([]);
  });

  it('delivered every alert after Slack recovered, each exactly once', () => {
    const delivered = deployment!.slack.messages.flatMap((message) => transitionsIn(message));
    expect(repeated(delivered)).toEqual([]);
    expect([...delivered].sort()).toEqual([...expected].sort());
    // Two groups (stock-out, fraud-velocity): two messages, no more.
    expect(deployment!.slack.messages).toHaveLength(2);
  });

  it('the alert service stayed up', () => {
    expect(deployment!.crashed()).toEqual([]);
  });
});
