import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LoadgenProcess,
  findRepoRoot,
  reconcileWithReporting,
  type GroundTruth,
  type ServiceName,
} from '@pulse/fleet';
import { readDeadLetter } from '@pulse/kafka';
import {
  TestDeployment,
  Timeline,
  alertRecords,
  eventIdsIn,
  latestPerAlert,
  lifecycleViolations,
  missingFrom,
  readAll,
  repeated,
  transitionKey,
  transitionsIn,
  waitFor,
  waitUntilSettled,
} from '@pulse/testing';

/** Alert rules whose firing the ground truth predicts exactly (as the e2e suite's). */
const RULES = `rules:
  - name: fraud-velocity
    kind: fraud_velocity
    severity: critical
    maxOrders: 10
    within: 1m
  - name: stock-out
    kind: low_stock
    severity: warning
    threshold: 1
    perWarehouse: false
`;

/**
 * When (after the load generator started) each consuming service is killed; each is started again
 * 2 s later. Restarts overlap: a killed member stays in its consumer group until its session
 * times out, (30 s by default for all three), so each rejoins about half a minute after its kill,
 * and the run lasts long enough for all three to be back while events still flow.
 */
const KILLS: readonly { service: ServiceName; atMs: number }[] = [
  { service: 'enrichment', atMs: 10_000 },
  { service: 'aggregation', atMs: 20_000 },
  { service: 'alert', atMs: 30_000 },
];
const DOWN_MS = 2_000;
const RUN_MS = 72_000;

/**
 * `kill -9` of each consuming service in turn while the load generator sends a flash sale with
 * a fraud burst, duplicates and late events: no drain, no commit, no leaving the group. Each is
 * started again (as Kubernetes would) and must resume from its last commit so that nothing is
 * lost and nothing counted twice: InfluxDB (through the reporting API) equals the generator's
 * ground truth exactly, every acknowledged event went through enrichment, and every expected
 * alert reached Slack exactly once.
 */
describe('kill -9 of each consuming service mid-stream, then restart', () => {
  const timeline = new Timeline('kill -9 and restart');
  let deployment: TestDeployment | undefined;
  let loadgen: LoadgenProcess | undefined;
  let truth: GroundTruth;

  beforeAll(async () => {
    const repoRoot = findRepoRoot(__dirname);
    deployment = await TestDeployment.start({
      label: 'kill_restart',
      services: ['ingestion', 'enrichment', 'aggregation', 'alert', 'reporting'],
      alertRules: RULES,
      env: {
        // Fresh topics: the alert evaluator must see them from their first record.
        PULSE_CONSUMER_START: 'earliest',
        PULSE_ALERT_GROUP_WAIT: '1s',
      },
    });
    timeline.mark('services ready');
    const started = Date.now();
    loadgen = LoadgenProcess.start(repoRoot, {
      scenario: 'flash-sale,fraud-burst,late-duplicates',
      rate: 30,
      durationMs: RUN_MS,
      seed: 8,
      target: deployment.url('ingestion'),
      apiKey: deployment.credentials.apiKey,
      groundTruthFile: join(deployment.logDir, 'ground-truth.json'),
      logFile: join(deployment.logDir, 'loadgen.log'),
    });
    const restarts: Promise<void>[] = [];
    for (const { service, atMs } of KILLS) {
      await sleep(Math.max(0, started + atMs - Date.now()));
      await deployment.kill(service);
      timeline.mark(`${service} killed`);
      restarts.push(
        sleep(DOWN_MS)
          .then(() => deployment!.restart(service))
          .then(() => void timeline.mark(`${service} ready again`)),
      );
    }
    await Promise.all(restarts);
    truth = await loadgen.finished();
    timeline.mark('load generator done');
    await waitUntilSettled(deployment, { timeoutMs: 120_000 });
    timeline.mark('pipeline settled');
    timeline.note(
      `${truth.events.accepted} events accepted (${truth.duplicates.accepted} re-sent, ${truth.late.accepted} late); ` +
        `${deployment.slack.messages.length} Slack messages`,
    );
  }, 330_000);

  afterAll(async () => {
    console.log(timeline.toString());
    await loadgen?.stop();
    await deployment?.stop();
  }, 120_000);

  it('killed each consuming service mid-stream, and each was back while events were still flowing', () => {
    const finished = Date.parse(truth.run.finishedAt);
    for (const { service } of KILLS) {
      expect(timeline.at(`${service} killed`)).toBeLessThan(timeline.at(`${service} ready again`));
      expect(timeline.at(`${service} ready again`)).toBeLessThan(finished);
    }
    expect(deployment!.crashed()).toEqual([]);
  });

  it('the load generator got a definite answer for every event', () => {
    expect(truth.exact).toBe(true);
    expect(truth.events.failed).toBe(0);
    expect(truth.events.accepted).toBeGreaterThan(1_500);
  });

  it('accounted for every acknowledged event: each is in events.raw and went through enrichment', async () => {
    const { kafka, names } = deployment!.topics;
    const raw = await eventIdsIn(kafka, names.eventsRaw);
    // Ingestion was never killed: events.raw holds exactly what it acknowledged (re-sends included).
    expect(raw).toHaveLength(truth.events.accepted);
    const distinct = new Set(raw);
    expect(distinct.size).toBe(truth.events.accepted - truth.duplicates.accepted);
    // Enrichment may have written some twice around its kill; none may be missing.
    const enriched = await eventIdsIn(kafka, names.eventsEnriched);
    expect(missingFrom(enriched, distinct)).toEqual([]);
    expect(missingFrom(distinct, new Set(enriched))).toEqual([]);
    const letters = await readAll(kafka, names.deadLetter);
    expect(letters.map((letter) => readDeadLetter(letter))).toEqual([]);
  });

  it('InfluxDB holds exactly the ground truth: every window, category, region and currency', async () => {
    const result = await reconcileWithReporting({
      reportingUrl: deployment!.url('reporting'),
      token: deployment!.credentials.reportingToken,
      truth,
      timeoutMs: 60_000,
    });
    expect(result.mismatches).toEqual([]);
    expect(result.compared).toBeGreaterThan(500);
  });

  it('fired the expected alerts, each transition once, and Slack received each exactly once', async () => {
    const records = await alertRecords(deployment!.topics.kafka, deployment!.topics.names.alerts);
    expect(lifecycleViolations(records)).toEqual([]);
    const firing = records.filter((alert) => alert.state === 'firing');
    const fraudsters = truth.expectations.orderBursts.map((burst) => burst.customerId);
    const drained = [...new Set(truth.expectations.stockOuts.map((stockOut) => stockOut.productId))].sort();
    expect(fraudsters).toHaveLength(1);
    expect(drained.length).toBeGreaterThan(0);
    const subjects = (rule: string, label: string) =>
      [...new Set(firing.filter((alert) => alert.rule === rule).map((alert) => alert.labels[label]))].sort();
    expect(subjects('fraud-velocity', 'customer')).toEqual(fraudsters);
    expect(subjects('stock-out', 'product')).toEqual(drained);
    expect(firing.filter((alert) => !['fraud-velocity', 'stock-out'].includes(alert.rule))).toEqual([]);

    // Grouping may fold a transition into a newer one of the same alert, but never send one twice,
    // never send what is not on the topic, and always end with each alert's latest state.
    const latest = latestPerAlert(records).map(transitionKey);
    const deliveredNow = () => deployment!.slack.messages.flatMap((message) => transitionsIn(message));
    await waitFor(
      'Slack to receive the latest state of every alert',
      () => missingFrom(deliveredNow(), latest).length === 0,
      { timeoutMs: 30_000, intervalMs: 500 },
    ).catch(() => undefined);
    const delivered = deliveredNow();
    expect(repeated(delivered)).toEqual([]);
    const onTopic = new Set(records.map(transitionKey));
    expect(delivered.filter((key) => !onTopic.has(key))).toEqual([]);
    expect(missingFrom(delivered, latest)).toEqual([]);
  });
});
