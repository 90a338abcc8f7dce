import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@pulse/config';
import { alertEventSchema, type AlertEvent, type EnrichedEvent, type WindowedMetric } from '@pulse/contracts';
import { DLQ_HEADER } from '@pulse/kafka';
import { createService, type RunningService } from '@pulse/observability';
import { SlackReceiver, type SlackDeliveryAttempt } from '@pulse/fleet';
import { createTestTopics, readAll, stack, uniqueName, waitFor, type TestTopics } from '@pulse/testing';
import { schema } from './config';
import { alertServiceOptions } from './service';
import { MINUTE, enrichedOrder, inventoryEvent, windowResult } from './testing/fixtures';

type Producer = ReturnType<TestTopics['kafka']['producer']>;

// The rule kinds alert.integration-spec.ts does not drive (revenue spike and fraud velocity are
// there): each one from its real input topic, through the running service, to the Slack receiver.
const suffix = randomBytes(3).toString('hex');
const DROP = `drop-${suffix}`;
const NEW_ACCOUNT = `new-account-${suffix}`;
const STOCK = `stock-${suffix}`;
const QUALITY = `quality-${suffix}`;
const RULES = `
rules:
  - name: ${DROP}
    kind: order_drop
    severity: critical
    groupBy: total
    window: 1m
    factor: 0.5
    baselineWindows: 3
    consecutiveWindows: 2
    minBaselineOrders: 5
  - name: ${NEW_ACCOUNT}
    kind: high_value_new_account
    severity: warning
    minOrderValue: 1000
    maxAccountAge: 24h
  - name: ${STOCK}
    kind: low_stock
    severity: info
    threshold: 10
  - name: ${QUALITY}
    kind: data_quality
    severity: warning
    window: 5m
    maxDeadLetteredPerMinute: 2
`;

describe('alert rule kinds on the real stack', () => {
  let topics: TestTopics;
  let producer: Producer;
  let receiver: SlackReceiver;
  let dir: string;
  let app: RunningService | undefined;

  beforeAll(async () => {
    topics = await createTestTopics('alert-kinds');
    producer = topics.kafka.producer();
    await producer.connect();
    receiver = await SlackReceiver.start();
    dir = mkdtempSync(join(tmpdir(), 'pulse-alert-kinds-'));
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    const loaded = loadConfig(schema, {
      PULSE_HTTP_HOST: '127.0.0.1',
      PULSE_LOG_LEVEL: 'error',
      PULSE_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      PULSE_TOPIC_PREFIX: topics.prefix,
      PULSE_CONSUMER_GROUP: uniqueName('alert-kinds'),
      PULSE_CONSUMER_START: 'earliest',
      PULSE_ALERT_RULES_FILE: rulesFile,
      PULSE_ALERT_EVALUATION_INTERVAL: '1s',
      PULSE_ALERT_GROUP_WAIT: '300ms',
      PULSE_SLACK_WEBHOOK_URL: receiver.url,
      PULSE_SLACK_MIN_INTERVAL: '100ms',
      PULSE_NATS_URL: stack.natsUrl,
      PULSE_ALERT_STATE_LOAD_TIMEOUT: '30s',
      PULSE_ALERT_WRITE_TOKENS: `kinds:${'0'.repeat(64)}`,
    });
    app = await createService(alertServiceOptions({ ...loaded, PULSE_HTTP_PORT: 0 }));
    await waitFor(
      'the alert service to be ready',
      async () => (await fetch(`${app!.url}/health/ready`)).status === 200,
      { timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await receiver?.close();
    await topics?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function send(topic: string, messages: { key: string; value: string; timestamp?: string }[]) {
    await producer.send({ topic, acks: -1, messages });
  }

  function sendEnriched(events: EnrichedEvent[]): Promise<void> {
    return send(
      topics.names.eventsEnriched,
      events.map((event) => ({
        key: event.customerid ?? event.id,
        value: JSON.stringify(event),
        timestamp: String(Date.parse(event.time)),
      })),
    );
  }

  /** The one Slack message about `rule`, once it arrived (and a moment later, still only one). */
  async function slackMessageOf(rule: string): Promise<SlackDeliveryAttempt> {
    const delivered = () => receiver.attemptsMentioning(rule).filter((post) => post.status === 200);
    await waitFor(`the Slack message of ${rule}`, () => delivered().length > 0, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(delivered()).toHaveLength(1);
    return delivered()[0]!;
  }

  async function alertsOf(rule: string): Promise<AlertEvent[]> {
    const records = await readAll(topics.kafka, topics.names.alerts);
    return records
      .map((record) => alertEventSchema.parse(JSON.parse(String(record.value))))
      .filter((alert) => alert.rule === rule);
  }

  it('order drop: fires on two finished windows below half the baseline, not before', async () => {
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 6 * MINUTE;
    const total = (index: number, orders: number): WindowedMetric =>
      windowResult({
        windowStartMs: start + index * MINUTE,
        grouping: 'total',
        category: null,
        orders,
        views: 400,
      });
    const asRecords = (windows: WindowedMetric[]) =>
      windows.map((window) => ({ key: `total|${window.windowStart}`, value: JSON.stringify(window) }));

    // Baseline 20 orders per window (threshold 10), then one low window: no alert yet.
    await send(
      topics.names.metricsWindowed,
      asRecords([total(0, 20), total(1, 20), total(2, 20), total(3, 4)]),
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(receiver.attemptsMentioning(DROP)).toEqual([]);

    await send(topics.names.metricsWindowed, asRecords([total(4, 3)]));
    const post = await slackMessageOf(DROP);
    expect(post.payload?.text).toContain(`1 firing · ${DROP}`);
    expect(JSON.stringify(post.payload?.blocks)).toContain('*Value vs threshold*\\n3 vs 10');
    const [fired] = await alertsOf(DROP);
    expect(fired).toMatchObject({ state: 'firing', severity: 'critical', value: 3, threshold: 10 });
  });

  it('high value new account: fires for a large order from a day-old account, not for an old one', async () => {
    const now = Date.now();
    const young = `young-${suffix}`;
    const old = `old-${suffix}`;
    await sendEnriched([
      enrichedOrder({ customer: old, time: now - 2_000, amount: 5_000 }),
      enrichedOrder({ customer: young, time: now - 1_000, amount: 1_500, signupTime: now - 3_600_000 }),
    ]);
    const post = await slackMessageOf(NEW_ACCOUNT);
    expect(post.body).toContain(`customer=${young}`);
    expect(post.body).not.toContain(old);
    const fired = await alertsOf(NEW_ACCOUNT);
    expect(fired.map((alert) => [alert.labels.customer, alert.value])).toEqual([[young, 1_500]]);
  });

  it('low stock: fires for the product below the threshold only', async () => {
    const now = Date.now();
    const low = `sku-low-${suffix}`;
    const fine = `sku-fine-${suffix}`;
    await sendEnriched([inventoryEvent(fine, 50, now - 2_000), inventoryEvent(low, 4, now - 1_000)]);
    const post = await slackMessageOf(STOCK);
    expect(post.body).toContain(low);
    expect(post.body).not.toContain(fine);
    const fired = await alertsOf(STOCK);
    expect(fired.map((alert) => [alert.labels.product, alert.value, alert.threshold])).toEqual([
      [low, 4, 10],
    ]);
  });

  it('data quality: fires when more than 2 events a minute reach the dead-letter topic', async () => {
    const now = Date.now();
    const parked = Array.from({ length: 12 }, (_, index) => ({
      key: `bad-${index}`,
      value: '{"not":"an event"}',
      headers: {
        [DLQ_HEADER.deadLetteredAt]: new Date(now - (12 - index) * 1_000).toISOString(),
        [DLQ_HEADER.errorClass]: 'validation',
      },
    }));
    await producer.send({ topic: topics.names.deadLetter, acks: -1, messages: parked });
    const post = await slackMessageOf(QUALITY);
    expect(post.payload?.text).toContain(`1 firing · ${QUALITY}`);
    const [fired] = await alertsOf(QUALITY);
    // It fires on the 11th dead letter, the first above the rate: 11 over 5 minutes = 2.2 a minute.
    expect(fired).toMatchObject({ state: 'firing', value: 2.2, threshold: 2 });
    expect(await alertsOf(QUALITY)).toHaveLength(1);
  });
});
