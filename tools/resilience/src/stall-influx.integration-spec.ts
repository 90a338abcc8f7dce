import { setTimeout as sleep } from 'node:timers/promises';
import { findRepoRoot, type GroundTruth, type LoadgenProcess } from '@pulse/fleet';
import {
  PrivateComponent,
  StallingProxy,
  TestDeployment,
  Timeline,
  metricValue,
  waitUntilSettled,
} from '@pulse/testing';
import { reconcileExactAndFinal, startWindowedRun } from './testing/stall';

const STALL_MS = 20_000;
const RUN_MS = 60_000;
/**
 * The first window ends 10 s into the run (testing/stall.ts); the generator's slightly-late events
 * (up to 12 s old) keep changing it until about 22 s in, and with 15 s of allowed lateness it
 * turns final 25 s in. A stall from 8 s to 28 s holds its last running counts and its final
 * write alike: the order in which they land decides what stays.
 */
const STALL_AT_MS = 8_000;
const LATENESS_MS = 15_000;
/** Events per second: enough that every flush carries hundreds of points per partition. */
const RATE = 150;

interface StallCase {
  label: string;
  title: string;
  /**
   * `freeze`: influxd stopped with SIGSTOP (requests pile up in its socket buffers and are applied,
   * in no set order, when it resumes). `network`: a path that holds every request, then delivers
   * them newest first — a request abandoned after a timeout landing after its retry.
   */
  stall: 'freeze' | 'network';
  /** PULSE_INFLUX_TIMEOUT for aggregation. */
  timeout: string;
  /** Whether aggregation's writes time out during the stall. */
  writesTimeOut: boolean;
}

const CASES: readonly StallCase[] = [
  {
    label: 'stall_influx_late_delivery',
    title: 'InfluxDB behind a path that holds requests for 20 s, then delivers them newest first, spaced out',
    stall: 'network',
    timeout: '2s',
    writesTimeOut: true,
  },
  {
    label: 'stall_influx_timeouts',
    title: 'InfluxDB frozen (SIGSTOP) for 20 s, longer than the 2 s write timeout, mid-stream',
    stall: 'freeze',
    timeout: '2s',
    writesTimeOut: true,
  },
  {
    label: 'stall_influx_waits',
    title: 'InfluxDB frozen (SIGSTOP) for 20 s, within the 30 s write timeout, mid-stream',
    stall: 'freeze',
    timeout: '30s',
    writesTimeOut: false,
  },
];

/**
 * InfluxDB stalls instead of dying: requests are accepted and answered late or never, and the
 * ones aggregation gave up on (and retried with newer values) may still be applied — after the
 * retry. The figures must still end exact, and every window whose watermark passed must end final.
 */
describe.each(CASES)('$title', ({ label, stall, timeout, writesTimeOut }) => {
  const timeline = new Timeline(label);
  let influx: PrivateComponent | undefined;
  let proxy: StallingProxy | undefined;
  let deployment: TestDeployment | undefined;
  let loadgen: LoadgenProcess | undefined;
  let truth: GroundTruth;
  const failedFlushes: Record<string, number> = {};
  const resettled: Record<string, number> = {};
  let delivered = 0;

  beforeAll(async () => {
    const repoRoot = findRepoRoot(__dirname);
    influx = await PrivateComponent.start('influxdb', repoRoot);
    if (stall === 'network') proxy = await StallingProxy.start({ host: '127.0.0.1', port: influx.port });
    deployment = await TestDeployment.start({
      label,
      services: ['ingestion', 'enrichment', 'aggregation', 'reporting'],
      stack: { influxUrl: influx.url },
      serviceEnv: {
        aggregation: {
          PULSE_INFLUX_URL: proxy?.url ?? influx.url,
          PULSE_INFLUX_TIMEOUT: timeout,
          PULSE_INFLUX_RESETTLE_DELAY: '30s',
          PULSE_ALLOWED_LATENESS: `${LATENESS_MS}ms`,
        },
      },
    });
    timeline.mark('services ready');
    const aggregation = deployment.url('aggregation');
    const reading = async (at: string) => {
      timeline.mark(at);
      failedFlushes[at] = await metricValue(aggregation, 'pulse_aggregation_flushes_total', {
        result: 'failed',
      });
      resettled[at] = await metricValue(aggregation, 'pulse_aggregation_windows_resettled_total');
    };

    loadgen = await startWindowedRun(deployment, {
      rate: RATE,
      durationMs: RUN_MS,
      seed: 11,
      latenessMs: LATENESS_MS,
    });
    timeline.mark('load generator started');
    await sleep(STALL_AT_MS);
    await reading('before the stall');
    if (proxy) proxy.hold();
    else influx.freeze();
    timeline.mark('stall begins');
    await sleep(STALL_MS);
    // The oldest requests land last, some 15 s on: after aggregation caught up and wrote the
    // window final (the resettle delay, 30 s, still covers them).
    if (proxy) delivered = await proxy.release({ gapMs: 750 });
    else influx.thaw();
    await reading('stall over');
    truth = await loadgen.finished();
    timeline.mark('load generator done');
    await waitUntilSettled(deployment, { timeoutMs: 120_000 });
    await reading('settled');
    timeline.note(
      `${truth.events.accepted} events accepted; failed flushes ${JSON.stringify(failedFlushes)}; ` +
        `windows rewritten whole ${JSON.stringify(resettled)}` +
        (proxy ? `; ${delivered} held requests delivered newest first` : ''),
    );
  }, 330_000);

  afterAll(async () => {
    console.log(timeline.toString());
    await loadgen?.stop();
    await deployment?.stop();
    await proxy?.close();
    await influx?.destroy();
  }, 120_000);

  it('the load generator got a definite answer for every event', () => {
    expect(truth.exact).toBe(true);
    expect(truth.events.failed).toBe(0);
    expect(truth.events.accepted).toBeGreaterThan((RATE * RUN_MS) / 1_000 - 500);
  });

  it('the figures equal the ground truth exactly, and every window the watermark passed is final', async () => {
    const result = await reconcileExactAndFinal(deployment!, truth, LATENESS_MS);
    expect(result.mismatches).toEqual([]);
    expect(result.compared).toBeGreaterThan(200);
    expect(await metricValue(deployment!.url('aggregation'), 'pulse_aggregation_unsettled_windows')).toBe(0);
  }, 120_000);

  if (writesTimeOut) {
    it('writes timed out during the stall, and the windows they carried were rewritten whole after it', () => {
      expect(failedFlushes['stall over']! - failedFlushes['before the stall']!).toBeGreaterThan(0);
      expect(resettled.settled).toBeGreaterThan(0);
      if (stall === 'network') expect(delivered).toBeGreaterThan(1);
    });
  } else {
    it('writes waited for InfluxDB instead of failing, so nothing needed rewriting', () => {
      expect(failedFlushes.settled).toBe(0);
      expect(resettled.settled).toBe(0);
    });
  }

  it('no service crashed', () => {
    expect(deployment!.crashed()).toEqual([]);
  });
});
