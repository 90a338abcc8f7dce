import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FleetMember, type GroundTruth, type LoadgenProcess } from '@pulse/fleet';
import { TestDeployment, Timeline, metricValue, waitFor, waitUntilSettled } from '@pulse/testing';
import { reconcileExactAndFinal, startWindowedRun } from './testing/stall';

const SESSION_TIMEOUT_MS = 10_000;
/** Past the session timeout, with room for the group to move the partitions and the new owner to write. */
const FREEZE_MS = 25_000;
/**
 * The first window ends 10 s into the run and, with 15 s of allowed lateness (above the
 * generator's slightly-late events, up to 12 s old), turns final 25 s in: its last running
 * counts and its final write fall while the instance is frozen.
 */
const FREEZE_AT_MS = 8_000;
const LATENESS_MS = 15_000;
const RUN_MS = 60_000;
const PARTITIONS = 3;
const ASSIGNED = 'partition assigned; rebuilding windows by replay';

/** Partitions an instance's log says it was assigned at or after `since`. */
function assignedSince(logFile: string, since: number): Set<number> {
  const partitions = new Set<number>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; partition?: number; time?: number | string };
    if (entry.msg !== ASSIGNED || entry.partition === undefined) continue;
    const at = typeof entry.time === 'number' ? entry.time : Date.parse(String(entry.time));
    if (at >= since) partitions.add(entry.partition);
  }
  return partitions;
}

/**
 * One of two aggregation instances freezes (SIGSTOP) mid-stream for longer than its consumer
 * session, so the group hands its partitions to the other; then it resumes, unaware that time
 * passed, with a flush possibly under way. Whatever it still had to write belongs to the new
 * owner now: it must not write over the new owner's points. The figures must end exact and
 * every window the watermark passed final.
 */
describe('one of two aggregation instances frozen (SIGSTOP) past its consumer session timeout', () => {
  const timeline = new Timeline('stall_aggregation');
  let deployment: TestDeployment | undefined;
  let loadgen: LoadgenProcess | undefined;
  let second: FleetMember;
  let truth: GroundTruth;
  let takenOver = new Set<number>();
  let refusedWrites = Number.NaN;

  beforeAll(async () => {
    deployment = await TestDeployment.start({
      label: 'stall_aggregation',
      services: ['ingestion', 'enrichment', 'aggregation', 'reporting'],
      serviceEnv: {
        aggregation: {
          PULSE_CONSUMER_SESSION_TIMEOUT: `${SESSION_TIMEOUT_MS}ms`,
          PULSE_ALLOWED_LATENESS: `${LATENESS_MS}ms`,
        },
      },
    });
    second = await deployment.addInstance('aggregation');
    const secondLog = join(deployment.logDir, 'instance-2', 'aggregation.log');
    timeline.mark('services ready, two aggregation instances');
    await waitFor(
      'both aggregation instances in the group, each with partitions',
      () => assignedSince(secondLog, 0).size > 0 && assignedSince(secondLog, 0).size < PARTITIONS,
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    loadgen = await startWindowedRun(deployment, {
      rate: 100,
      durationMs: RUN_MS,
      seed: 13,
      latenessMs: LATENESS_MS,
    });
    timeline.mark('load generator started');
    await sleep(FREEZE_AT_MS);
    deployment.freeze('aggregation');
    const frozenAt = timeline.mark('first aggregation instance frozen');
    await sleep(FREEZE_MS);
    takenOver = assignedSince(secondLog, frozenAt);
    deployment.thaw('aggregation');
    timeline.mark('first aggregation instance thawed');
    truth = await loadgen.finished();
    timeline.mark('load generator done');
    await waitUntilSettled(deployment, { timeoutMs: 120_000 });
    refusedWrites = await metricValue(deployment.url('aggregation'), 'pulse_aggregation_flushes_total', {
      result: 'stale_membership',
    });
    timeline.note(
      `the second instance was assigned partitions ${[...takenOver].join(',')} during the freeze; ` +
        `the thawed instance refused ${refusedWrites} flushes for stale membership`,
    );
  }, 330_000);

  afterAll(async () => {
    console.log(timeline.toString());
    await loadgen?.stop();
    await deployment?.stop();
  }, 120_000);

  it('the group moved every partition to the other instance during the freeze', () => {
    expect([...takenOver].sort()).toEqual([0, 1, 2]);
  });

  it('the load generator got a definite answer for every event', () => {
    expect(truth.exact).toBe(true);
    expect(truth.events.failed).toBe(0);
    expect(truth.events.accepted).toBeGreaterThan(5_000);
  });

  it('the figures equal the ground truth exactly, and every window the watermark passed is final', async () => {
    const result = await reconcileExactAndFinal(deployment!, truth, LATENESS_MS);
    expect(result.mismatches).toEqual([]);
    expect(result.compared).toBeGreaterThan(200);
  }, 120_000);

  it('both instances run on, neither crashed', () => {
    expect(deployment!.crashed()).toEqual([]);
    expect(second.process.running).toBe(true);
  });
});
