import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Latency percentiles in milliseconds, and how many samples they rest on. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Records latencies (ms) into an HDR histogram with microsecond resolution and three significant
 * digits: constant memory at any rate, which a list of 1.2 million samples per step would not be.
 * Negative values (clock steps) are counted separately and left out of the percentiles.
 */
export class LatencyRecorder {
  private readonly histogram: RecordableHistogram = createHistogram({
    lowest: 1,
    highest: 3_600_000_000,
    figures: 3,
  });
  negative = 0;

  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    if (ms < 0) {
      this.negative += 1;
      return;
    }
    this.histogram.record(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.count;
  }

  reset(): void {
    this.histogram.reset();
    this.negative = 0;
  }

  summary(): LatencySummary | undefined {
    if (this.histogram.count === 0) return undefined;
    const ms = (percentile: number) => this.histogram.percentile(percentile) / 1000;
    return {
      count: this.histogram.count,
      p50: ms(50),
      p95: ms(95),
      p99: ms(99),
      p999: ms(99.9),
      max: this.histogram.max / 1000,
    };
  }
}
