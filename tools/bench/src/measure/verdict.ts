import { slope } from '../stats/summary';

/** One reading of the pipeline's backlog during a step: seconds since the step began, events behind. */
export interface LagPoint {
  atSeconds: number;
  lag: number;
}

export interface VerdictInput {
  offeredRate: number;
  /** Events the input side planned to send in the step, and those the pipeline acknowledged. */
  planned: number;
  accepted: number;
  /** How far the input fell behind its schedule at worst (ms). */
  inputBehindMs: number;
  /** Events per second the last stage handled after warm-up. */
  throughput: number;
  lag: readonly LagPoint[];
}

export interface Verdict {
  sustained: boolean;
  /** Largest backlog seen in the second half of the step. */
  maxLag: number;
  /** Backlog growth over the second half, events per second (least squares). */
  lagGrowthPerSecond: number;
  reasons: string[];
}

/** The rules a step must pass to count as sustained (documented in docs/performance.md). */
export const VERDICT_RULES = {
  /** At least this share of the planned events must be acknowledged. */
  minAcceptedShare: 0.97,
  /** The input may fall behind its own schedule by at most this much (else the input is the limit). */
  maxInputBehindMs: 2_000,
  /** The last stage must handle at least this share of the offered rate. */
  minThroughputShare: 0.9,
  /** The backlog may hold at most this many seconds of input (or the floor, for low rates)... */
  maxLagSeconds: 2,
  maxLagFloor: 2_000,
  /** ...and may grow by at most this share of the rate per second (a leak the bound would catch later). */
  maxGrowthShare: 0.05,
} as const;

/**
 * Was the rate sustained with flat lag? The input must have been delivered on schedule, and over
 * the second half of the step (after warm-up) the backlog must stay bounded and not grow.
 */
export function judgeStep(input: VerdictInput): Verdict {
  const rules = VERDICT_RULES;
  const half = input.lag.length === 0 ? 0 : (input.lag[input.lag.length - 1] as LagPoint).atSeconds / 2;
  const tail = input.lag.filter((point) => point.atSeconds >= half);
  const maxLag = tail.reduce((max, point) => Math.max(max, point.lag), 0);
  const growth = slope(tail.map((point) => ({ x: point.atSeconds, y: point.lag })));
  const lagBound = Math.max(rules.maxLagFloor, input.offeredRate * rules.maxLagSeconds);
  const reasons: string[] = [];
  if (input.planned > 0 && input.accepted < input.planned * rules.minAcceptedShare) {
    reasons.push(`only ${input.accepted} of ${input.planned} events were accepted`);
  }
  if (input.inputBehindMs > rules.maxInputBehindMs) {
    reasons.push(`the input fell ${Math.round(input.inputBehindMs)} ms behind its schedule`);
  }
  if (input.throughput < input.offeredRate * rules.minThroughputShare) {
    reasons.push(`the last stage handled only ${Math.round(input.throughput)} events/s`);
  }
  if (tail.length < 2) reasons.push('too few lag readings to judge');
  if (maxLag > lagBound) reasons.push(`backlog reached ${maxLag} events (bound ${lagBound})`);
  if (growth > input.offeredRate * rules.maxGrowthShare) {
    reasons.push(`backlog grew by ${Math.round(growth)} events/s`);
  }
  return { sustained: reasons.length === 0, maxLag, lagGrowthPerSecond: growth, reasons };
}
