import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LoadgenProcess,
  SERVICE_NAMES,
  reconcileWithReporting,
  waitForQuiet,
  type GroundTruth,
} from '@pulse/fleet';
import { InfluxClient } from '@pulse/influx';
import { stack } from '@pulse/testing';
import { ContainerFleet, type StopResult } from './testing/container-fleet';
import { REPO_ROOT } from './testing/podman';

const RUN_MS = 30_000;
/** When (after the load generator started) aggregation gets SIGTERM; it is started again right after. */
const STOP_AT_MS = 12_000;

/**
 * The five services from their images, under the chart's security context, on the local stack:
 * each gets ready, runs with the restrictions the chart asks for, and together they carry events
 * from the ingestion container to InfluxDB and the reporting container's totals exactly — across a
 * SIGTERM of aggregation mid-stream (drain and commit, then a new container resumes).
 */
describe('the services in containers, as the chart runs them', () => {
  let fleet: ContainerFleet | undefined;
  let loadgen: LoadgenProcess | undefined;
  let truth: GroundTruth;
  let stopped: StopResult;

  beforeAll(async () => {
    fleet = await ContainerFleet.start({
      label: 'images_fleet',
      services: SERVICE_NAMES,
      // Fresh topics: a consumer must read them from their first record.
      env: { PULSE_CONSUMER_START: 'earliest' },
    });
    const started = Date.now();
    loadgen = LoadgenProcess.start(REPO_ROOT, {
      scenario: 'steady',
      rate: 25,
      durationMs: RUN_MS,
      seed: 11,
      target: fleet.url('ingestion'),
      apiKey: fleet.credentials.apiKey,
      groundTruthFile: join(fleet.logDir, 'ground-truth.json'),
      logFile: join(fleet.logDir, 'loadgen.log'),
    });
    await sleep(Math.max(0, started + STOP_AT_MS - Date.now()));
    stopped = await fleet.terminate('aggregation');
    await fleet.restart('aggregation');
    truth = await loadgen.finished();
    await waitForQuiet(fleet.monitored(), fleet.topics.prefix, { timeoutMs: 90_000 });
  }, 300_000);

  afterAll(async () => {
    if (fleet) {
      console.log(
        `start times (podman run → /health/ready), ms:\n${Object.entries(fleet.startTimes())
          .map(([name, times]) => `  ${name.padEnd(12)} ${times.join(', ')}`)
          .join('\n')}`,
      );
    }
    await loadgen?.stop();
    await fleet?.stop();
  }, 120_000);

  it.each([...SERVICE_NAMES])('%s answers /health/ready from its container', async (name) => {
    const response = await fetch(`${fleet!.url(name)}/health/ready`);
    expect(response.status).toBe(200);
    // Loosely: a pod that takes this long would fail the chart's startup probe budget.
    expect(Math.max(...fleet!.startTimes()[name]!)).toBeLessThan(60_000);
  });

  it.each([...SERVICE_NAMES])(
    '%s runs as the chart’s user, with no capabilities, no new privileges, a read-only root and a writable /tmp',
    async (name) => {
      const { user, group } = fleet!.security(name);
      // Every process of the container (tini and node).
      const status = await fleet!.exec(
        name,
        '/bin/sh',
        '-c',
        'for s in /proc/[0-9]*/status; do grep -E "^(Uid|Gid|CapEff|CapPrm|NoNewPrivs):" "$s"; done',
      );
      expect(status.code).toBe(0);
      const lines = status.output.split('\n').filter((line) => line.trim() !== '');
      expect(lines.filter((line) => line.startsWith('Uid:'))).not.toHaveLength(0);
      for (const line of lines) {
        const [key, ...values] = line.split(/\s+/);
        if (key === 'Uid:') expect(values.every((v) => v === String(user))).toBe(true);
        if (key === 'Gid:') expect(values.every((v) => v === String(group))).toBe(true);
        if (key === 'CapEff:' || key === 'CapPrm:') expect(values).toEqual(['0000000000000000']);
        if (key === 'NoNewPrivs:') expect(values).toEqual(['1']);
      }
      const root = await fleet!.exec(name, '/bin/sh', '-c', 'touch /app/probe');
      expect(root.code).not.toBe(0);
      expect(root.output).toContain('Read-only file system');
      const tmp = await fleet!.exec(name, '/bin/sh', '-c', 'touch /tmp/probe && rm /tmp/probe');
      expect(tmp.code).toBe(0);
    },
  );

  it('aggregation drained and exited by itself on SIGTERM, well within the grace period', () => {
    console.log(`aggregation stop (SIGTERM → exit): ${stopped.stopMs} ms, exit code ${stopped.exitCode}`);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stopMs).toBeLessThan(fleet!.security('aggregation').gracePeriodSeconds * 1000);
  });

  it('the load generator got a definite answer for every event from the ingestion container', () => {
    expect(truth.exact).toBe(true);
    expect(truth.events.failed).toBe(0);
    expect(truth.events.accepted).toBeGreaterThan(300);
  });

  it('events posted to the ingestion container reached InfluxDB', async () => {
    const influx = new InfluxClient({ url: stack.influxUrl, timeoutMs: 10_000 });
    const [series] = await influx.query(fleet!.database, ['SHOW MEASUREMENTS']);
    const measurements = series?.[0]?.rows.map((row) => row.name) ?? [];
    expect(measurements.length).toBeGreaterThan(0);
  });

  it('the reporting container’s figures equal the ground truth exactly, across the SIGTERM and restart', async () => {
    const result = await reconcileWithReporting({
      reportingUrl: fleet!.url('reporting'),
      token: fleet!.credentials.reportingToken,
      truth,
      timeoutMs: 60_000,
    });
    expect(result.mismatches).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.reported?.orders).toBeGreaterThan(0);
  });
});
