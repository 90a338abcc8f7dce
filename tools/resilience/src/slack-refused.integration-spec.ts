import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertEvent } from '@pulse/contracts';
import {
  type TestDeployment,
  Timeline,
  alertRecords,
  repeated,
  transitionKey,
  waitFor,
} from '@pulse/testing';
import {
  deadLetteredAlerts,
  deliveredTransitions,
  expectTheFiveAlertsOnce,
  firingAlerts,
  sendAlertingEvents,
  startAlertDeployment,
  untilDelivered,
  type DeadLetteredAlert,
} from './testing/alert-scenario';

/** Refused until the test ends it (the operator fixed the webhook); the bound only ends a stuck run. */
const REFUSAL_BOUND_MS = 120_000;
/** Long enough for a retry of a refused message to show: backoff ceiling (5 s) + pacing. */
const RETRY_WINDOW_MS = 6_500;
/**
 * Long enough for a repeat to show after the restart: the hand-over grace (Slack timeout 3 s
 * + 2 s), group wait (1 s), pacing (1 s) and the rebalance.
 */
const REPEAT_WINDOW_MS = 10_000;
const REDRIVE = ['dlq', 'redrive', '--source-topic', 'alerts', '--error-class', 'SlackRejected'];

/**
 * The Slack webhook refuses for good (404 `channel_not_found`: its channel was archived) while
 * five alerts fire in two groups. A 4xx other than 429 will never succeed, so the notifier
 * dead-letters the alert records (error class `SlackRejected`) without marking them delivered,
 * and moves on. The operator fixes the webhook and runs `pulse dlq redrive`: each alert is then
 * delivered exactly once. A second re-drive sends nothing, and neither it nor a restart of the
 * alert service (a deploy after the incident) makes Slack receive anything again.
 */
describe('the Slack webhook refusing for good, then `pulse dlq redrive`', () => {
  const timeline = new Timeline('Slack refused');
  const abort = new AbortController();
  let deployment: TestDeployment | undefined;
  let expected: string[] = [];
  let firedBeforeRedrive: AlertEvent[] = [];
  let deadLetters: DeadLetteredAlert[] = [];
  let refusedWhenDeadLettered = 0;
  let refusedWhenFixed = 0;
  let firstRedrive = '';
  let secondRedrive = '';

  beforeAll(async () => {
    deployment = await startAlertDeployment('slack_refused', { PULSE_SLACK_TIMEOUT: '3s' });
    const slack = deployment.slack;
    timeline.mark('services ready');
    slack.refuseFor(REFUSAL_BOUND_MS, 404, 'channel_not_found');
    timeline.mark('Slack refusing');

    await sendAlertingEvents(deployment, 'slack_refused', abort.signal);
    timeline.mark('alerting events acknowledged');
    expected = await firingAlerts(deployment);
    timeline.mark('alerts fired');
    deadLetters = await waitFor(
      'every alert in the dead-letter topic',
      async () => {
        const letters = await deadLetteredAlerts(deployment!);
        return letters.length >= expected.length ? letters : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    refusedWhenDeadLettered = slack.refusedForGood;
    timeline.mark('all dead-lettered');
    await sleep(RETRY_WINDOW_MS);
    refusedWhenFixed = slack.refusedForGood;
    // Read before the re-drive adds a copy of each record.
    firedBeforeRedrive = await alertRecords(deployment.topics.kafka, deployment.topics.names.alerts);
    slack.refuseFor(0);
    timeline.mark('webhook fixed');

    firstRedrive = await deployment.pulse(...REDRIVE);
    timeline.mark('re-driven');
    await untilDelivered(deployment, expected, 30_000);
    timeline.mark('all delivered (or gave up waiting)');

    secondRedrive = await deployment.pulse(...REDRIVE);
    timeline.mark('re-driven again');
    await deployment.terminate('alert');
    timeline.mark('alert stopped (SIGTERM)');
    await deployment.restart('alert');
    timeline.mark('alert restarted');
    await sleep(REPEAT_WINDOW_MS);
    timeline.note(
      `Slack refused ${slack.refusedForGood} deliveries, then accepted ${slack.messages.length} messages`,
    );
  }, 240_000);

  afterAll(async () => {
    abort.abort();
    console.log(timeline.toString());
    await deployment?.stop();
  }, 60_000);

  it('fired the expected alerts, once each', async () => {
    await expectTheFiveAlertsOnce(deployment!, firedBeforeRedrive);
  });

  it('dead-lettered every alert once, as refused by Slack, after one attempt per message', () => {
    expect(deadLetters.map(({ alert }) => transitionKey(alert)).sort()).toEqual([...expected].sort());
    for (const { entry } of deadLetters) {
      expect(entry).toMatchObject({
        kind: 'message',
        errorClass: 'SlackRejected',
        sourceTopic: deployment!.topics.names.alerts,
        service: 'alert',
      });
      expect(entry.errorMessage).toContain('Slack answered 404: channel_not_found');
    }
    // One refused request per message (two groups: at least two), none retried afterwards.
    expect(refusedWhenDeadLettered).toBeGreaterThanOrEqual(2);
    expect(refusedWhenDeadLettered).toBeLessThanOrEqual(expected.length);
    expect(refusedWhenFixed).toBe(refusedWhenDeadLettered);
  });

  it('delivered nothing while the webhook refused', () => {
    const early = deployment!.slack.messages.filter(
      (message) => message.receivedAt.getTime() < timeline.at('webhook fixed'),
    );
    expect(early).toEqual([]);
  });

  it('re-drove each dead letter once: the first re-drive sent all, the second none', async () => {
    const alertsTopic = deployment!.topics.names.alerts;
    expect(firstRedrive).toContain(
      `re-drove ${expected.length} record(s) (${expected.length} to ${alertsTopic})`,
    );
    expect(secondRedrive).toContain(`skipped ${expected.length} record(s) re-driven before`);
    expect(secondRedrive).toContain('re-drove 0 record(s)');
    // The alerts topic holds each transition twice: as fired, and its one re-driven copy.
    const now = await alertRecords(deployment!.topics.kafka, alertsTopic);
    expect(now.map(transitionKey).sort()).toEqual([...expected, ...expected].sort());
  });

  it('delivered every alert after the re-drive, each exactly once, and nothing after', () => {
    const delivered = deliveredTransitions(deployment!);
    expect(repeated(delivered)).toEqual([]);
    expect([...delivered].sort()).toEqual([...expected].sort());
    const late = deployment!.slack.messages.filter(
      (message) => message.receivedAt.getTime() >= timeline.at('re-driven again'),
    );
    expect(late).toEqual([]);
  });

  it('the alert service stayed up', () => {
    expect(deployment!.crashed()).toEqual([]);
  });
});
