import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type TestDeployment,
  Timeline,
  repeated,
  threadStates,
  transitionsIn,
  waitFor,
} from '@pulse/testing';
import {
  deliveredTransitions,
  expectTheFiveAlertsOnce,
  firingAlerts,
  sendAlertingEvents,
  startAlertDeployment,
  untilDelivered,
} from './testing/alert-scenario';

/** The default PULSE_SLACK_TIMEOUT (services/alert/src/config.ts); neither case changes it. */
const SLACK_TIMEOUT_MS = 10_000;
/** PULSE_SLACK_MAX_BACKOFF of the alert scenario's deployment. */
const MAX_BACKOFF_MS = 5_000;
const MIN_INTERVAL_MS = 1_000;

/** Each Slack message as `+seconds [transitions]` from `start`, for the timeline. */
function describeMessages(deployment: TestDeployment, start: number): string {
  return deployment.slack.messages
    .map(
      (message) =>
        `+${((message.receivedAt.getTime() - start) / 1000).toFixed(1)} s [${transitionsIn(message).join(', ')}]`,
    )
    .join('; ');
}

/** When the service's consumer group `…<groupSuffix>` was joined, from its JSON log. */
function groupJoins(deployment: TestDeployment, service: 'alert', groupSuffix: string): number[] {
  const joins: number[] = [];
  for (const line of readFileSync(join(deployment.logDir, `${service}.log`), 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: unknown; groupId?: unknown; time?: unknown };
    if (
      entry.msg === 'joined consumer group' &&
      typeof entry.groupId === 'string' &&
      entry.groupId.endsWith(groupSuffix) &&
      typeof entry.time === 'string'
    ) {
      joins.push(Date.parse(entry.time));
    }
  }
  return joins;
}

const SESSION_TIMEOUT_MS = 10_000;
const FREEZE_MS = 15_000;

/**
 * The alert process stopped (SIGSTOP) for 15 s the moment Slack receives its first message, so
 * the answer arrives while it is frozen — mid-delivery — and the freeze outlasts both the
 * consumer session (lowered to 10 s here; 30 s by default) and the Slack timeout (10 s), as any
 * freeze longer than the default session would. Then SIGCONT. The answer that arrived during the
 * freeze must count as delivered (not as a timeout: the overdue timer fires first on resume), and
 * the group has dropped the instance meanwhile, so it rejoins, re-reads from its commit and must
 * recognise what it already delivered. docs/alerting.md names the ways to post twice (a crash
 * after Slack's 2xx, a request that timed out but that Slack posted); neither happens here, so
 * no repeat is allowed.
 */
describe('the alert service frozen mid-delivery for longer than its consumer session', () => {
  const timeline = new Timeline('alert frozen');
  const abort = new AbortController();
  let deployment: TestDeployment | undefined;
  let expected: string[] = [];
  let frozen = false;
  let threadStatesWhileFrozen: string[] = [];
  let inFlight: string[] = [];
  let frozenAt = 0;

  /** SIGCONT for the alert process if this case stopped it: called in `finally` and `afterAll`. */
  const resume = (): void => {
    if (!frozen) return;
    frozen = false;
    deployment?.thaw('alert');
  };

  beforeAll(async () => {
    deployment = await startAlertDeployment('stall_alert_frozen', {
      PULSE_CONSUMER_SESSION_TIMEOUT: `${SESSION_TIMEOUT_MS / 1000}s`,
    });
    timeline.mark('services ready');
    const alertPid = deployment.pid('alert');
    // Synchronous, before the receiver writes its answer, and `freeze` returns once every thread
    // is stopped: the request is in flight when the process stops.
    const unsubscribe = deployment.slack.onMessage((message) => {
      unsubscribe();
      deployment!.freeze('alert');
      frozen = true;
      frozenAt = Date.now();
      inFlight = transitionsIn(message);
    });
    try {
      await sendAlertingEvents(deployment, 'stall_alert_frozen', abort.signal);
      timeline.mark('alerting events acknowledged');
      await waitFor('the first Slack message (then the freeze)', () => frozen, {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      timeline.mark('first Slack message received: alert frozen before its answer');
      threadStatesWhileFrozen = threadStates(alertPid);
      await sleep(Math.max(0, frozenAt + FREEZE_MS - Date.now()));
    } finally {
      unsubscribe();
      resume();
    }
    timeline.mark('alert resumed (SIGCONT)');

    expected = await firingAlerts(deployment);
    timeline.mark('alerts fired');
    await untilDelivered(deployment, expected, 60_000);
    timeline.mark('all delivered (or gave up waiting)');
    // Long enough for any repeat to show: a backoff ceiling, the minimum interval and a margin.
    await sleep(8_000);
    timeline.note(`in flight at the freeze: [${inFlight.join(', ')}]`);
    timeline.note(`Slack messages: ${describeMessages(deployment, timeline.at('services ready'))}`);
  }, 240_000);

  afterAll(async () => {
    resume();
    abort.abort();
    console.log(timeline.toString());
    await deployment?.stop();
  }, 60_000);

  it('froze the alert process with a Slack request in flight', () => {
    expect(new Set(threadStatesWhileFrozen)).toEqual(new Set(['T']));
    expect(inFlight.length).toBeGreaterThan(0);
  });

  it('outlasted the consumer session: the notifier lost its group membership and rejoined', () => {
    // The process logged nothing while stopped: a join after the freeze began came after SIGCONT.
    expect(frozenAt).toBeGreaterThan(0);
    expect(groupJoins(deployment!, 'alert', '-notifier').filter((at) => at > frozenAt)).not.toEqual([]);
  });

  it('fired the expected alerts, once each', async () => {
    await expectTheFiveAlertsOnce(deployment!);
  });

  it('delivered every alert, each exactly once: the one in flight at the freeze not again', () => {
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

const HANG_MS = 30_000;

/**
 * Slack accepts the connection, reads the request and never answers, for 30 s; the connections
 * left waiting are dropped when it recovers. The notifier must give up each request after its
 * timeout (PULSE_SLACK_TIMEOUT, 10 s by default) and try again — a request without a bound would
 * block every delivery — keep the alerts, and after the hang deliver each exactly once: a request
 * Slack never answered did not post anything.
 */
describe('the Slack webhook hanging for 30 s', () => {
  const timeline = new Timeline('Slack hang');
  const abort = new AbortController();
  let deployment: TestDeployment | undefined;
  let expected: string[] = [];

  beforeAll(async () => {
    deployment = await startAlertDeployment('stall_slack_hang');
    timeline.mark('services ready');
    deployment.slack.hangFor(HANG_MS);
    const hangEnds = timeline.mark('Slack hanging') + HANG_MS;

    await sendAlertingEvents(deployment, 'stall_slack_hang', abort.signal);
    timeline.mark('alerting events acknowledged');
    expected = await firingAlerts(deployment);
    timeline.mark('alerts fired');
    await waitFor(
      'a delivery attempt during the hang',
      () => deployment!.slack.unansweredDuringHang.length > 0,
      {
        timeoutMs: Math.max(1_000, hangEnds - Date.now() - 1_000),
        intervalMs: 250,
      },
    );
    timeline.mark('first delivery left unanswered');
    await sleep(Math.max(0, hangEnds - Date.now()));
    timeline.mark('Slack back');
    await untilDelivered(deployment, expected, 30_000);
    timeline.mark('all delivered (or gave up waiting)');
    await sleep(8_000);
    const start = timeline.at('services ready');
    timeline.note(
      `left unanswered during the hang: ${deployment.slack.unansweredDuringHang
        .map((at) => `+${((at.getTime() - start) / 1000).toFixed(1)} s`)
        .join(', ')}`,
    );
    timeline.note(`Slack messages: ${describeMessages(deployment, start)}`);
  }, 240_000);

  afterAll(async () => {
    abort.abort();
    console.log(timeline.toString());
    await deployment?.stop();
  }, 60_000);

  it('fired the expected alerts, once each', async () => {
    await expectTheFiveAlertsOnce(deployment!);
  });

  it('timed each unanswered request out and tried again during the hang', () => {
    const attempts = deployment!.slack.unansweredDuringHang.map((at) => at.getTime());
    // One attempt timing out and the next one following it, at least.
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    // The next attempt comes no later than the timeout, the longest backoff and the pacing allow.
    const gaps = attempts.slice(1).map((at, index) => at - attempts[index]!);
    const bound = SLACK_TIMEOUT_MS + MAX_BACKOFF_MS + MIN_INTERVAL_MS + 2_000;
    expect(gaps.filter((gap) => gap > bound)).toEqual([]);
  });

  it('kept nothing during the hang', () => {
    const early = deployment!.slack.messages.filter(
      (message) => message.receivedAt.getTime() < timeline.at('Slack back'),
    );
    expect(early).toEqual([]);
  });

  it('delivered every alert after Slack recovered, each exactly once', () => {
    const delivered = deliveredTransitions(deployment!);
    expect(repeated(delivered)).toEqual([]);
    expect([...delivered].sort()).toEqual([...expected].sort());
    expect(deployment!.slack.messages).toHaveLength(2);
  });

  it('the alert service stayed up', () => {
    expect(deployment!.crashed()).toEqual([]);
  });
});
