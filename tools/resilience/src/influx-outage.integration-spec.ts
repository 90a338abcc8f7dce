import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadgenProcess, findRepoRoot, reconcileWithReporting, type GroundTruth } from '@pulse/fleet';
import { PrivateComponent, TestDeployment, Timeline, metricValue, waitUntilSettled } from '@pulse/testing';

const OUTAGE_MS = 20_000;
const POINTS_WRITTEN = 'pulse_aggregation_points_written_total';

/**
 * InfluxDB goes away for 20 s while the load generator keeps sending. Aggregation must hold
 * back (write nothing, commit nothing past what is unwritten, stay up), then catch up once
 * InfluxDB is back, and the figures must equal the generator's ground truth exactly.
 *
 * InfluxDB is a private instance (deploy/local with its own dir and ports): the shared one is
 * never stopped.
 */
describe('InfluxDB stopped for 20 s mid-stream', () => {
  const timeline = new Timeline('InfluxDB outage');
  let influx: PrivateComponent | undefined;
  let deployment: TestDeployment | undefined;
  let loadgen: LoadgenProcess | undefined;
  let truth: GroundTruth;
  const written: Record<string, number> = {};
  const accepted: Record<string, number> = {};

  beforeAll(async () => {
    const repoRoot = findRepoRoot(__dirname);
    influx = await PrivateComponent.start('influxdb', repoRoot);
    timeline.mark('private InfluxDB up');
    deployment = await TestDeployment.start({
      label: 'influx_outage',
      services: ['ingestion', 'enrichment', 'aggregation', 'reporting'],
      stack: { influxUrl: influx.url },
    });
    timeline.mark('services ready');
    loadgen = LoadgenProcess.start(repoRoot, {
      scenario: 'steady,late-duplicates',
      rate: 50,
      durationMs: 42_000,
      seed: 3,
      target: deployment.url('ingestion'),
      apiKey: deployment.credentials.apiKey,
      groundTruthFile: join(deployment.logDir, 'ground-truth.json'),
      logFile: join(deployment.logDir, 'loadgen.log'),
    });
    const aggregation = deployment.url('aggregation');
    const ingestion = deployment.url('ingestion');
    const reading = async (label: string) => {
      timeline.mark(label);
      written[label] = await metricValue(aggregation, POINTS_WRITTEN);
      accepted[label] = await metricValue(ingestion, 'pulse_ingestion_events_total', { outcome: 'accepted' });
    };

    await sleep(8_000);
    await reading('before the outage');
    await influx.down();
    timeline.mark('InfluxDB stopped');
    // A write that was in flight when InfluxDB went away may still have been counted.
    await sleep(3_000);
    await reading('outage +3 s');
    await sleep(OUTAGE_MS - 3_000);
    await reading('outage end');
    await influx.up();
    timeline.mark('InfluxDB back');
    truth = await loadgen.finished();
    timeline.mark('load generator done');
    await waitUntilSettled(deployment, { timeoutMs: 120_000 });
    await reading('settled');
    timeline.note(
      `${truth.events.accepted} events accepted; points written ${JSON.stringify(written)}; ` +
        `events accepted ${JSON.stringify(accepted)}`,
    );
  }, 330_000);

  afterAll(async () => {
    console.log(timeline.toString());
    await loadgen?.stop();
    await deployment?.stop();
    await influx?.destroy();
  }, 120_000);

  it('the load generator got a definite answer for every event', () => {
    expect(truth.exact).toBe(true);
    expect(truth.events.failed).toBe(0);
    expect(truth.events.accepted).toBeGreaterThan(1_500);
  });

  it('aggregation wrote nothing while InfluxDB was down, though events kept coming', () => {
    expect(written['before the outage']).toBeGreaterThan(0);
    expect(written['outage end']).toBe(written['outage +3 s']);
    expect(accepted['outage end']! - accepted['outage +3 s']!).toBeGreaterThan(300);
  });

  it('caught up once InfluxDB was back: the figures equal the ground truth exactly', async () => {
    expect(written.settled).toBeGreaterThan(written['outage end']!);
    const result = await reconcileWithReporting({
      reportingUrl: deployment!.url('reporting'),
      token: deployment!.credentials.reportingToken,
      truth,
      timeoutMs: 60_000,
    });
    expect(result.mismatches).toEqual([]);
    expect(result.compared).toBeGreaterThan(200);
  });

  it('no service crashed', () => {
    expect(deployment!.crashed()).toEqual([]);
  });
});
