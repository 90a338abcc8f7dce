import { setTimeout as sleep } from 'node:timers/promises';
import { type TestDeployment, Timeline, repeated, waitFor } from '@pulse/testing';
import {
  alertScenarioRules,
  deliveredTransitions,
  expectTheFiveAlertsOnce,
  firingAlerts,
  sendAlertingEvents,
  startAlertDeployment,
  untilDelivered,
} from './testing/alert-scenario';

const OUTAGE_MS = 30_000;

/**
 * Slack answers 503 for 30 s while alerts fire (four stock-outs, one fraud burst: two groups,
 * so two messages). The notifier must keep the alerts (nothing committed past an undelivered
 * one), retry with backoff, and deliver each alert exactly once after Slack recovers — no loss,
 * no repeat of what a failed attempt carried.
 */
describe('the Slack webhook failing for 30 s', () => {
  const timeline = new Timeline('Slack outage');
  const abort = new AbortController();
  let deployment: TestDeployment | undefined;
  let expected: string[] = [];

  beforeAll(async () => {
    deployment = await startAlertDeployment('slack_outage', {}, alertScenarioRules('1m'));
    timeline.mark('services ready');
    deployment.slack.failFor(OUTAGE_MS, 503);
    const outageEnds = timeline.mark('Slack failing') + OUTAGE_MS;

    await sendAlertingEvents(deployment, 'slack_outage', abort.signal);
    timeline.mark('alerting events acknowledged');

    expected = await firingAlerts(deployment);
    timeline.mark('alerts fired');
    await waitFor('a delivery attempt during the outage', () => deployment!.slack.refusedDuringOutage > 0, {
      timeoutMs: Math.max(1_000, outageEnds - Date.now() - 1_000),
      intervalMs: 250,
    });
    timeline.mark('first delivery refused');
    await sleep(Math.max(0, outageEnds - Date.now()));
    timeline.mark('Slack back');
    await untilDelivered(deployment, expected, 30_000);
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
    await expectTheFiveAlertsOnce(deployment!);
  });

  it('tried to deliver during the outage and kept nothing the webhook refused', () => {
    expect(deployment!.slack.refusedDuringOutage).toBeGreaterThan(0);
    const early = deployment!.slack.messages.filter(
      (message) => message.receivedAt.getTime() < timeline.at('Slack back'),
    );
    expect(early).toEqual([]);
  });

  it('delivered every alert after Slack recovered, each exactly once', () => {
    const delivered = deliveredTransitions(deployment!);
    expect(repeated(delivered)).toEqual([]);
    expect([...delivered].sort()).toEqual([...expected].sort());
    // Two groups (stock-out, fraud-velocity): two messages, no more.
    expect(deployment!.slack.messages).toHaveLength(2);
  });

  it('the alert service stayed up', () => {
    expect(deployment!.crashed()).toEqual([]);
  });
});
