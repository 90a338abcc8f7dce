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
   * After the final drain: lets a pipeline whose watermark moves only with records make its last
   * windows final (the input has stopped).
   */
  closeWindows?(): Promise<void>;
  /** Processes that exited although nobody asked them to. */
  crashed(): string[];
  stop(): Promise<void>;
}
