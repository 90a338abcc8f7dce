import type { MonitoredStage } from '../measure/pipeline-monitor';
import type { MeteredProcess } from '../proc/process-meter';

/** A pipeline under test, running as separate processes. */
export interface PipelineSystem {
  readonly stages: readonly MonitoredStage[];
  readonly processes: readonly MeteredProcess[];
  /** Ingestion's base URL when the pipeline has an HTTP front. */
  readonly ingestUrl: string | undefined;
  /** With --profile: where the processes write their CPU profiles when they stop. */
  readonly profileDir: string | undefined;
  /**
   * How long after a window's end the pipeline writes it at the earliest: 0 for Pulse (it writes
   * open windows), the grace period for a pipeline that writes only final windows. Window end →
   * InfluxDB is timed only for windows that could be written within their step.
   */
  readonly windowCloseDelayMs?: number;
  /**
   * After the final drain: lets a pipeline that writes only closed windows close the last ones
   * (its event time moves only with records, and the input has stopped).
   */
  closeWindows?(): Promise<void>;
  /** Processes that exited although nobody asked them to. */
  crashed(): string[];
  stop(): Promise<void>;
}
