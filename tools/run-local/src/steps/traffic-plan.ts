import { readFileSync } from 'node:fs';
import { parseDuration } from '@pulse/config';
import { parseGroundTruth } from '@pulse/fleet';

export interface TrafficPlan {
  /** Event time of the generator's first instant. */
  startTimeMs: number;
  windowSizeMs: number;
  allowedLatenessMs: number;
}

/**
 * When the generated traffic starts, and with which window definitions its ground truth is
 * computed (aggregation's PULSE_WINDOWS — the smallest, which reporting answers by default — and
 * PULSE_ALLOWED_LATENESS). Runs reuse the topics and the database, so the traffic starts at a
 * window boundary after everything an earlier run generated: no window is shared, and the
 * check compares this run's windows only.
 */
export function planTraffic(
  env: NodeJS.ProcessEnv,
  previousGroundTruthFile: string,
  now = Date.now(),
): TrafficPlan {
  const windows = (env.PULSE_WINDOWS ?? '1m')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map(parseDuration);
  const windowSizeMs = Math.min(...windows);
  const allowedLatenessMs = parseDuration(env.PULSE_ALLOWED_LATENESS ?? '30s');
  const nextWindow = Math.ceil(now / windowSizeMs) * windowSizeMs;
  const previousEnd = previousRunEnd(previousGroundTruthFile);
  const startTimeMs =
    previousEnd === undefined ? nextWindow : Math.max(nextWindow, ceilTo(previousEnd, windowSizeMs));
  return { startTimeMs, windowSizeMs, allowedLatenessMs };
}

function previousRunEnd(file: string): number | undefined {
  try {
    const truth = parseGroundTruth(readFileSync(file, 'utf8'));
    return truth.range === null ? undefined : Date.parse(truth.range.to);
  } catch {
    return undefined;
  }
}

function ceilTo(timeMs: number, sizeMs: number): number {
  return Math.ceil(timeMs / sizeMs) * sizeMs;
}

/** The load generator flags that carry the plan. */
export function trafficArgs(plan: TrafficPlan): string[] {
  return [
    '--start-time',
    new Date(plan.startTimeMs).toISOString(),
    '--window',
    `${plan.windowSizeMs}ms`,
    '--allowed-lateness',
    `${plan.allowedLatenessMs}ms`,
  ];
}
