import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LoadgenProcess,
  findRepoRoot,
  reconcileWithReporting,
  type GroundTruth,
  type ReconcileResult,
} from '@pulse/fleet';
import { type TestDeployment } from '@pulse/testing';

/** The run starts this many seconds into a minute, so its first 1-minute window ends 10 s in. */
const START_SECOND = 50;
/** Beyond the allowed lateness, how long before the last event a window must have ended to be final. */
const FINAL_MARGIN_MS = 5_000;

/** Milliseconds from `now` until the wall clock is `second` seconds into a minute. */
export function msUntilSecondOfMinute(second: number, now: number): number {
  if (!(second >= 0 && second < 60)) throw new RangeError(`second must be in [0, 60): ${second}`);
  return (second * 1_000 - (now % 60_000) + 60_000) % 60_000;
}

export interface WindowedRun {
  rate: number;
  durationMs: number;
  seed: number;
  /**
   * The allowed lateness aggregation was given (PULSE_ALLOWED_LATENESS), told to the generator
   * too; above 12 s, the age of the generator's slightly-late events, which count normally.
   */
  latenessMs: number;
}

/**
 * Starts the load generator at a set point of the minute: event time follows the clock, so the
 * first 1-minute window ends 10 s into the run and turns final `latenessMs` later. A stall case
 * places its fault around those instants.
 */
export async function startWindowedRun(
  deployment: TestDeployment,
  run: WindowedRun,
): Promise<LoadgenProcess> {
  await sleep(msUntilSecondOfMinute(START_SECOND, Date.now()));
  return LoadgenProcess.start(findRepoRoot(__dirname), {
    scenario: 'steady,late-duplicates',
    rate: run.rate,
    durationMs: run.durationMs,
    seed: run.seed,
    target: deployment.url('ingestion'),
    apiKey: deployment.credentials.apiKey,
    groundTruthFile: join(deployment.logDir, 'ground-truth.json'),
    logFile: join(deployment.logDir, 'loadgen.log'),
    extraArgs: ['--allowed-lateness', `${run.latenessMs}ms`],
  });
}

/**
 * Compares the reporting API with the ground truth, and requires every window the watermark
 * passed (ended more than the lateness and a margin before the last event) to be final.
 */
export function reconcileExactAndFinal(
  deployment: TestDeployment,
  truth: GroundTruth,
  latenessMs: number,
): Promise<ReconcileResult> {
  const lastEventTime = Date.parse(truth.run.startTime) + truth.run.durationMs;
  return reconcileWithReporting({
    reportingUrl: deployment.url('reporting'),
    token: deployment.credentials.reportingToken,
    truth,
    timeoutMs: 90_000,
    finalUpTo: lastEventTime - latenessMs - FINAL_MARGIN_MS,
  });
}
