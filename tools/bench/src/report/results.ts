import type { ActivityTotals } from '../feed/event-totals';
import type { ProcessRole } from '../proc/process-meter';
import type { ProfileSummary } from '../profile/cpu-profile-summary';
import type { LatencySummary } from '../stats/latency-recorder';

/**
 * The whole machine during a measurement: how busy it was, how much of that no measured process
 * explains (other users of this shared machine), and the 1-minute load average at the end.
 */
export interface MachineLoad {
  busyCores: number;
  unmeasuredCores: number;
  loadAverage1m: number;
}

/** CPU and memory of one process over one step. */
export interface ProcessFigures {
  name: string;
  role: ProcessRole;
  cpuMs: number;
  /** CPU ms per 1,000 events of the step. */
  cpuMsPer1000: number;
  /** Event-loop delay p99 (ms): median and worst of the per-second values; Node processes only. */
  eventLoopP99Ms?: { median: number; max: number };
}

/** One constant-rate step of a pipeline cell. */
export interface StepResult {
  offeredRate: number;
  /**
   * `ramp`: a rate of the rising ladder; `fallback`: when no ladder rate was sustained, steps at
   * 80 %, 60 %, 40 % of the throughput seen at saturation until one is; `latency`: at half the
   * highest sustained rate.
   */
  kind: 'ramp' | 'fallback' | 'latency';
  durationMs: number;
  planned: number;
  accepted: number;
  /** Events per second that reached the end of the pipeline during the step. */
  throughput: number;
  sustained: boolean;
  reasons: string[];
  maxLag: number;
  lagGrowthPerSecond: number;
  /** ingestedat → the record was readable on events.enriched (seen by the harness's consumer). */
  ingestToEnriched?: LatencySummary;
  /** ingestedat → enrichment's enrichedAt stamp: how much of the above passes before enrichment's produce. */
  ingestToEnrichedAt?: LatencySummary;
  windowEndToInflux?: LatencySummary;
  processes: ProcessFigures[];
  cpuMsPer1000: { pipeline: number; all: number };
  /**
   * Peak RSS (MB) of each pipeline process during the step and its catch-up: VmHWM, reset when the
   * step starts and read once its backlog has cleared.
   */
  peakRssMb: Record<string, number>;
  machine: MachineLoad;
}

export interface Reconciliation {
  expected: ActivityTotals;
  observed: ActivityTotals;
  /** Counted by aggregation as late (in no window): explains a shortfall that is not a loss of data. */
  countedLate: ActivityTotals;
  /** From the pipeline having drained until InfluxDB held the expected totals (undefined: never). */
  settledAfterMs: number | undefined;
  /**
   * Counted events (orders + views + cart adds) missing from InfluxDB's windows after waiting
   * up to a minute past the drain, and counted twice.
   */
  lost: number;
  duplicated: number;
  /** False when the pipeline had not drained when InfluxDB was read. */
  drained: boolean;
  /** Records on events.enriched versus events accepted (a surplus is duplicates upstream). */
  enrichedRecords: number;
  acceptedEvents: number;
}

export interface PipelineRun {
  kind: 'pipeline';
  cell: string;
  repetition: number;
  feed: 'http' | 'direct';
  steps: StepResult[];
  /** Highest offered rate sustained with flat lag (0 if none). */
  sustainedRate: number;
  /** Highest throughput seen in any step (at saturation: the capacity). */
  peakThroughput: number;
  /** Peak RSS (MB) of each pipeline process over the whole cell run: start-up, steps, drains. */
  peakRssMb: Record<string, number>;
  /**
   * VmRSS (MB) of each pipeline process at rest: started, ready and settled before any traffic, and
   * settled again after the final drain.
   */
  idleRssMb: { beforeTraffic: Record<string, number>; afterDrain: Record<string, number> };
  meanEnrichedBytes: number;
  reconciliation?: Reconciliation;
  /** With --profile: where each pipeline process spent its CPU. */
  profiles?: Record<string, ProfileSummary>;
  notes: string[];
}

export interface CeilingRun {
  kind: 'ceiling';
  cell: 'kafka';
  repetition: number;
  records: number;
  recordBytes: number;
  produce: { recordsPerSecond: number; mbPerSecond: number; p99LatencyMs: number };
  consume: { recordsPerSecond: number; mbPerSecond: number; fetchRecordsPerSecond: number };
  cpuMsPer1000: {
    producerTool: number;
    consumerTool: number;
    brokerWhileProducing: number;
    brokerWhileConsuming: number;
  };
  machine: { producing: MachineLoad; consuming: MachineLoad };
  notes: string[];
}

export interface DrainRun {
  kind: 'drain';
  cell: 'enrichment';
  repetition: number;
  events: number;
  recordsPerSecond: number;
  cpuMsPer1000: number;
  peakRssMb: number;
  machine: MachineLoad;
  profiles?: Record<string, ProfileSummary>;
  notes: string[];
}

export interface HttpEndpointFigures {
  endpoint: 'single' | 'batch';
  eventsPerRequest: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  ingestionCpuMsPer1000: number;
  machine: MachineLoad;
}

export interface HttpRun {
  kind: 'http';
  cell: 'http';
  repetition: number;
  endpoints: HttpEndpointFigures[];
  peakRssMb: number;
  notes: string[];
}

export type CellRun = PipelineRun | CeilingRun | DrainRun | HttpRun;

export interface FailedRun {
  kind: 'failed';
  cell: string;
  repetition: number;
  error: string;
}

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  nproc: number;
  memory: string;
  node: string;
  kernel: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}
