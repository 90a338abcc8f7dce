import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { loadConfig } from '@pulse/config';
import { alertEventSchema, type AlertEvent, type EnrichedEvent, type WindowedMetric } from '@pulse/contracts';
import { DLQ_HEADER } from '@pulse/kafka';
import { createService, type RunningService } from '@pulse/observability';
import { SlackReceiver } from '@pulse/fleet';
import { createTestTopics, readAll, stack, uniqueName, waitFor, type TestTopics } from '@pulse/testing';
import { schema } from './config';
import { alertServiceOptions } from './service';
import { MINUTE, enrichedOrder, windowResult } from './testing/fixtures';

type Producer = ReturnType<TestTopics['kafka']['producer']>;

const suffix = randomBytes(3).toString('hex');
const WRITE_TOKEN = `write-${randomBytes(12).toString('hex')}`;
const READ_TOKEN = `read-${randomBytes(12).toString('hex')}`;
const digest = (token: string) => createHash('sha256').update(token).digest('hex');
/** A request to the /v1 API with a token (the write token unless another is given). */
const authed = (init: RequestInit = {}, token = WRITE_TOKEN): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` },
});
const SPIKE = `spike-${suffix}`;
const FRAUD = `fraud-${suffix}`;
const RULES = `
rules:
  - name: ${SPIKE}
    kind: revenue_spike
    severity: warning
    groupBy: category
    window: 1m
    factor: 3
    baselineWindows: 3
    minRevenue: 100
  - name: ${FRAUD}
    kind: fraud_velocity
    severity: critical
    maxOrders: 3
    within: 10m
`;

interface NatsSeen {
  subject: string;
  alert: AlertEvent;
  msgId: string | undefined;
}

describe('alert service on the real stack', () => {
  let topics: TestTopics;
  let producer: Producer;
  let receiver: SlackReceiver;
  let nats: NatsConnection;
  let subscription: Subscription;
  const natsSeen: NatsSeen[] = [];
  let dir: string;
  let rulesFile: string;
  let group: string;
  let app: RunningService | undefined;
  let extra: RunningService | undefined;

  beforeAll(async () => {
    topics = await createTestTopics('alert');
    producer = topics.kafka.producer();
    await producer.connect();
    receiver = await SlackReceiver.start();
    nats = await connect({ servers: stack.natsUrl });
    subscription = nats.subscribe('alerts.>');
    void (async () => {
      for await (const message of subscription) {
        const alert = message.json<AlertEvent>();
        if (alert.rule === SPIKE || alert.rule === FRAUD) {
          natsSeen.push({ subject: message.subject, alert, msgId: message.headers?.get('Nats-Msg-Id') });
        }
      }
    })();
    dir = mkdtempSync(join(tmpdir(), 'pulse-alert-it-'));
    rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    group = uniqueName('alert');
    app = await startApp();
  });

  afterAll(async () => {
    await extra?.close();
    await app?.close();
    await producer?.disconnect();
    await subscription?.drain();
    await nats?.close();
    await receiver?.close();
    await topics?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startApp(overrides: Record<string, string> = {}): Promise<RunningService> {
    const loaded = loadConfig(schema, {
      PULSE_HTTP_HOST: '127.0.0.1',
      PULSE_LOG_LEVEL: process.env.ALERT_IT_LOG_LEVEL ?? 'error',
      PULSE_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      PULSE_TOPIC_PREFIX: topics.prefix,
      PULSE_CONSUMER_GROUP: group,
      PULSE_CONSUMER_START: 'earliest',
      PULSE_ALERT_RULES_FILE: rulesFile,
      PULSE_ALERT_RULES_RELOAD_INTERVAL: '200ms',
      PULSE_ALERT_EVALUATION_INTERVAL: '1s',
      PULSE_ALERT_GROUP_WAIT: '300ms',
      PULSE_SLACK_WEBHOOK_URL: receiver.url,
      PULSE_SLACK_TIMEOUT: '2s',
      PULSE_SLACK_MIN_INTERVAL: '100ms',
      PULSE_SLACK_MAX_BACKOFF: '1s',
      PULSE_NATS_URL: stack.natsUrl,
      PULSE_GRAFANA_URL: 'http://grafana.local:3000',
      PULSE_REPORTING_URL: 'http://127.0.0.1:3005',
      PULSE_ALERT_STATE_LOAD_TIMEOUT: '30s',
      PULSE_ALERT_WRITE_TOKENS: `it-write:${digest(WRITE_TOKEN)}`,
      PULSE_ALERT_READ_TOKENS: `it-read:${digest(READ_TOKEN)}`,
      ...overrides,
    });
    // Port 0: an ephemeral port (the configuration itself only accepts real ports).
    const config = { ...loaded, PULSE_HTTP_PORT: 0 };
    const service = await createService(alertServiceOptions(config));
    await waitFor(
      'the alert service to be ready',
      async () => (await fetch(`${service.url}/health/ready`)).status === 200,
      { timeoutMs: 60_000 },
    );
    return service;
  }

  function windowKey(metric: WindowedMetric): string {
    return `${metric.windowStart}|${metric.grouping}|${metric.category ?? ''}|${metric.region ?? ''}`;
  }

  async function sendWindows(metrics: WindowedMetric[]): Promise<number> {
    await producer.send({
      topic: topics.names.metricsWindowed,
      acks: -1,
      messages: metrics.map((metric) => ({ key: windowKey(metric), value: JSON.stringify(metric) })),
    });
    return Date.now();
  }

  /** Three normal minutes of 100 USD for the category, then a spike of 200 + 150 (two source partitions). */
  async function spike(category: string): Promise<number> {
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE;
    const normal = [0, 1, 2].map((index) =>
      windowResult({ windowStartMs: start + index * MINUTE, category, revenue: { USD: 100 }, orders: 2 }),
    );
    await sendWindows(normal);
    const lastEventTime = new Date().toISOString();
    const current = { windowStartMs: start + 3 * MINUTE, category, final: false, lastEventTime };
    return sendWindows([
      windowResult({ ...current, sourcePartition: 0, revenue: { USD: 200 }, orders: 3 }),
      windowResult({ ...current, sourcePartition: 1, revenue: { USD: 150 }, orders: 2 }),
    ]);
  }

  async function alertRecords(filter: (alert: AlertEvent) => boolean): Promise<AlertEvent[]> {
    const records = await readAll(topics.kafka, topics.names.alerts);
    return records.map((record) => alertEventSchema.parse(JSON.parse(String(record.value)))).filter(filter);
  }

  const delivered = (category: string) => () =>
    receiver.attemptsMentioning(`category=${category}`).filter((post) => post.status === 200);

  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('turns a revenue spike in metrics.windowed into one Slack message and one NATS message', async () => {
    await spike('cameras');
    const [post] = await waitFor('the Slack message', () => nonEmpty(delivered('cameras')()), {
      timeoutMs: 30_000,
    });
    await settle(1_500);

    expect(receiver.attemptsMentioning('category=cameras')).toHaveLength(1);
    const text = JSON.stringify(post!.payload?.blocks);
    expect(post!.payload?.text).toContain(`1 firing · ${SPIKE}`);
    expect(text).toContain(`*${SPIKE}* (warning)`);
    expect(text).toContain('*Where*\\ncategory=cameras, currency=USD');
    expect(text).toContain('*Value vs threshold*\\n350 vs 300');
    expect(text).toMatch(/\*Window\*\\n\d{4}-\d\d-\d\d \d\d:\d\d UTC – /);
    expect(text).toContain('<http://grafana.local:3000/d/pulse-business/pulse-business?');
    expect(text).toContain('var-category=cameras');
    expect(text).toContain('<http://127.0.0.1:3005/v1/reports/sales?');

    const [fired] = await alertRecords((alert) => alert.labels.category === 'cameras');
    expect(fired).toMatchObject({ state: 'firing', rule: SPIKE, value: 350, threshold: 300, sequence: 0 });
    await waitFor('the NATS message', () =>
      natsSeen.some((seen) => seen.alert.fingerprint === fired!.fingerprint),
    );
    const onNats = natsSeen.filter((seen) => seen.alert.fingerprint === fired!.fingerprint);
    expect(onNats).toEqual([
      { subject: `alerts.warning.${SPIKE}`, alert: fired, msgId: `${fired!.fingerprint}:0` },
    ]);
  });

  it('delivers exactly once after Slack answered 500, then 429 with Retry-After: 2', async () => {
    receiver.answerNext({ status: 500 }, { status: 429, headers: { 'retry-after': '2' } });
    await spike('laptops');
    await waitFor('delivery after the outage', () => nonEmpty(delivered('laptops')()), { timeoutMs: 30_000 });
    await settle(1_500);

    const attempts = receiver.attemptsMentioning('category=laptops');
    expect(attempts.map((post) => post.status)).toEqual([500, 429, 200]);
    expect(attempts[2]!.receivedAt.getTime() - attempts[1]!.receivedAt.getTime()).toBeGreaterThanOrEqual(
      2_000,
    );
    expect(await alertRecords((alert) => alert.labels.category === 'laptops')).toHaveLength(1);
  });

  it('still delivers exactly once when the service restarts between firing and delivery', async () => {
    receiver.failFor(10 * 60_000, 503);
    await spike('phones');
    const [fired] = await waitFor('the alert in the alerts topic', () =>
      alertRecords((alert) => alert.labels.category === 'phones').then(nonEmpty),
    );
    await waitFor(
      'a failed delivery attempt',
      () => receiver.attemptsMentioning('category=phones').length > 0,
      {
        timeoutMs: 30_000,
      },
    );

    await app!.close();
    app = undefined;
    receiver.failFor(0);
    app = await startApp();

    await waitFor('delivery after the restart', () => nonEmpty(delivered('phones')()), { timeoutMs: 60_000 });
    await settle(2_000);
    expect(delivered('phones')()).toHaveLength(1);
    // The restarted evaluator knew the alert was firing: no second firing record.
    expect(await alertRecords((alert) => alert.fingerprint === fired!.fingerprint)).toHaveLength(1);
  });

  it('fires fraud velocity on a burst of orders in events.enriched', async () => {
    const customer = `cust-${suffix}`;
    const now = Date.now();
    const orders: EnrichedEvent[] = [0, 1, 2, 3].map((index) =>
      enrichedOrder({ customer, time: now - (4 - index) * 1_000, amount: 20 }),
    );
    await producer.send({
      topic: topics.names.eventsEnriched,
      acks: -1,
      messages: orders.map((order) => ({
        key: customer,
        value: JSON.stringify(order),
        timestamp: String(Date.parse(order.time)),
      })),
    });
    const [post] = await waitFor('the fraud alert on Slack', () =>
      nonEmpty(receiver.attemptsMentioning(`customer=${customer}`).filter((p) => p.status === 200)),
    );
    expect(post!.payload?.text).toContain(`FIRING 1 firing · ${FRAUD}`);
    expect(JSON.stringify(post!.payload?.blocks)).toContain('*Value vs threshold*\\n4 vs 3');
    await waitFor('the fraud alert on NATS', () =>
      natsSeen.some(
        (seen) => seen.subject === `alerts.critical.${FRAUD}` && seen.alert.labels.customer === customer,
      ),
    );
  });

  it('mutes Slack for silenced alerts and serves the silences, rules and active alerts API', async () => {
    const url = app!.url;
    const anonymous = await fetch(`${url}/v1/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'rule', value: '.*', isRegex: true }],
        createdBy: 'x',
        comment: 'x',
        duration: '1h',
      }),
    });
    expect(anonymous.status).toBe(401);
    const readOnly = await fetch(
      `${url}/v1/silences`,
      authed(
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            matchers: [{ name: 'rule', value: '.*', isRegex: true }],
            createdBy: 'x',
            comment: 'x',
            duration: '1h',
          }),
        },
        READ_TOKEN,
      ),
    );
    expect(readOnly.status).toBe(403);
    expect((await fetch(`${url}/v1/silences`, authed({}, READ_TOKEN))).status).toBe(200);
    const invalid = await fetch(
      `${url}/v1/silences`,
      authed({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: [], createdBy: 'ops', comment: 'x', duration: '1h' }),
      }),
    );
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { message: string }).message).toContain(
      'matchers: give at least one matcher',
    );

    const created = await fetch(
      `${url}/v1/silences`,
      authed({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: [
            { name: 'category', value: 'tablets' },
            { name: 'rule', value: SPIKE },
          ],
          createdBy: 'integration-test',
          comment: 'planned promotion',
          duration: '1h',
        }),
      }),
    );
    expect(created.status).toBe(201);
    const silence = (await created.json()) as { id: string; state: string };
    expect(silence.state).toBe('active');

    await spike('tablets');
    const [fired] = await waitFor('the silenced alert in the alerts topic', () =>
      alertRecords((alert) => alert.labels.category === 'tablets').then(nonEmpty),
    );
    const active = await waitFor('the alert listed as active', async () => {
      const body = (await (await fetch(`${url}/v1/alerts/active`, authed({}, READ_TOKEN))).json()) as {
        alerts: (AlertEvent & { silencedBy: string[] })[];
      };
      return body.alerts.find((alert) => alert.fingerprint === fired!.fingerprint);
    });
    expect(active.silencedBy).toEqual([silence.id]);
    // It reached NATS (with the silence noted), but Slack stays quiet.
    await waitFor('the silenced alert on NATS', () =>
      natsSeen.some((seen) => seen.alert.fingerprint === fired!.fingerprint),
    );
    await settle(1_500);
    expect(receiver.attemptsMentioning('category=tablets')).toEqual([]);

    const listed = (await (await fetch(`${url}/v1/silences?state=active`, authed())).json()) as {
      silences: { id: string }[];
    };
    expect(listed.silences.map((entry) => entry.id)).toContain(silence.id);
    const expired = await fetch(`${url}/v1/silences/${silence.id}`, authed({ method: 'DELETE' }));
    expect(((await expired.json()) as { state: string }).state).toBe('expired');
    expect((await fetch(`${url}/v1/silences/nope`, authed())).status).toBe(404);

    const rules = (await (await fetch(`${url}/v1/rules`, authed())).json()) as {
      rules: { name: string }[];
      reload: { lastChange: unknown };
    };
    expect(rules.rules.map((rule) => rule.name)).toEqual([SPIKE, FRAUD]);
    expect((await fetch(`${url}/v1/silences?state=sleeping`, authed())).status).toBe(400);

    const openApi = (await (await fetch(`${url}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openApi.paths)).toEqual(
      expect.arrayContaining(['/v1/silences', '/v1/silences/{id}', '/v1/rules', '/v1/alerts/active']),
    );
  });

  it('rejects a bad rules file while running and keeps the rules in effect', async () => {
    writeFileSync(rulesFile, RULES.replace('factor: 3', 'factor: -3'));
    try {
      const reload = await waitFor('the rejected reload', async () => {
        const body = (await (await fetch(`${app!.url}/v1/rules`, authed({}, READ_TOKEN))).json()) as {
          rules: { name: string }[];
          reload: { lastChange: { outcome: string; errors: string[] } | null };
        };
        return body.reload.lastChange?.outcome === 'rejected' ? body : undefined;
      });
      expect(reload.reload.lastChange?.errors).toEqual(['rules[0].factor (line 8): must be greater than 0']);
      expect(reload.rules.map((rule) => rule.name)).toEqual([SPIKE, FRAUD]);
    } finally {
      writeFileSync(rulesFile, RULES);
    }
  });

  it('alerts each of a run of successive spikes once on Slack and once on NATS', async () => {
    const categories = Array.from({ length: 12 }, (_, index) => `run${index}-${suffix}`);
    for (const category of categories) {
      await spike(category);
      await waitFor(`the alert of ${category}`, () => nonEmpty(delivered(category)()), { timeoutMs: 30_000 });
    }
    await settle(1_500);
    const fired = await alertRecords((alert) => categories.includes(alert.labels.category ?? ''));
    expect(fired.map((alert) => alert.labels.category).sort()).toEqual([...categories].sort());
    for (const category of categories) {
      expect(receiver.attemptsMentioning(`category=${category}`)).toHaveLength(1);
    }
    await waitFor('every alert of the run on NATS', () =>
      fired.every((alert) => natsSeen.some((seen) => seen.alert.fingerprint === alert.fingerprint)),
    );
    for (const alert of fired) {
      expect(natsSeen.filter((seen) => seen.alert.fingerprint === alert.fingerprint)).toHaveLength(1);
    }
  });

  it('with two instances, evaluates and posts each alert once; NATS down on one delays NATS only', async () => {
    // The second instance cannot reach NATS: the alerts partitions its NATS consumer owns wait
    // (nothing committed), while Slack delivery goes on for all of them.
    extra = await startApp({ PULSE_NATS_URL: 'nats://127.0.0.1:1' });
    // Both instances must have rejoined after the rebalance before the input is sent.
    await settle(3_000);
    await waitFor('both ready', async () =>
      (
        await Promise.all(
          [app!, extra!].map(async (service) => (await fetch(`${service.url}/health/ready`)).status),
        )
      ).every((status) => status === 200),
    );
    const categories = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((name) => `${name}-${suffix}`);
    await Promise.all(categories.map((category) => spike(category)));
    for (const category of categories) {
      try {
        await waitFor(`the alert of ${category}`, () => nonEmpty(delivered(category)()), {
          timeoutMs: 30_000,
        });
      } catch (error) {
        const records = await alertRecords((alert) => categories.includes(alert.labels.category ?? ''));
        process.stdout.write(
          `DIAG alerts=${JSON.stringify(records.map((a) => [a.labels.category, a.state, a.sequence]))} posts=${JSON.stringify(
            receiver.attempts.slice(-12).map((p) => [p.status, p.body.match(/category=[a-z0-9-]+/g)]),
          )}\n`,
        );
        throw error;
      }
    }
    await settle(2_000);
    for (const category of categories) {
      expect(delivered(category)()).toHaveLength(1);
      expect(await alertRecords((alert) => alert.labels.category === category)).toHaveLength(1);
    }
    const deadLettered = await readAll(topics.kafka, topics.names.deadLetter);
    expect(deadLettered.map((record) => record.headers[DLQ_HEADER.errorMessage])).toEqual([]);

    // Once the instance without NATS leaves, the other one publishes what was waiting: none lost.
    await extra!.close();
    extra = undefined;
    const fired = await alertRecords((alert) => categories.includes(alert.labels.category ?? ''));
    await waitFor(
      'every alert on NATS',
      () => fired.every((alert) => natsSeen.some((seen) => seen.alert.fingerprint === alert.fingerprint)),
      { timeoutMs: 60_000 },
    );
  });
});

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}
