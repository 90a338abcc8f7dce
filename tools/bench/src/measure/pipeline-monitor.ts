import { scrapeMetrics, sumOf } from '@pulse/fleet';
import type { BenchKafka } from '../infra/bench-kafka';

/** A process whose `/metrics` the monitor reads, and which stage of the pipeline it is. */
export interface MonitoredStage {
  name: string;
  metricsUrl: string;
  stage: 'ingest' | 'enrich' | 'aggregate';
}

export interface MonitorReading {
  at: number;
  rawAppended: number;
  enrichedAppended: number;
  deadLettered: number;
  /** `pulse_kafka_consumer_lag` summed per process. */
  lag: Record<string, number>;
  /** `pulse_kafka_messages_processed_total` summed per process. */
  processed: Record<string, number>;
  /** `nodejs_eventloop_lag_p99_seconds` per process (prom-client resets it per scrape). */
  eventLoopP99Seconds: Record<string, number>;
}

/**
 * Reads, once a second, the append counts of `events.raw` / `events.enriched` (from the broker,
 * independent of the services) and each process's `/metrics`.
 */
export class PipelineMonitor {
  readonly readings: MonitorReading[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly kafka: BenchKafka,
    private readonly topics: { raw: string; enriched: string; deadLetter: string },
    readonly stages: readonly MonitoredStage[],
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.read()
        .then((reading) => void this.readings.push(reading))
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async read(): Promise<MonitorReading> {
    const [rawAppended, enrichedAppended, deadLettered, scrapes] = await Promise.all([
      this.kafka.appended(this.topics.raw),
      this.kafka.appended(this.topics.enriched),
      this.kafka.appended(this.topics.deadLetter).catch(() => 0),
      Promise.all(this.stages.map((stage) => scrapeMetrics(stage.metricsUrl).catch(() => []))),
    ]);
    const reading: MonitorReading = {
      at: Date.now(),
      rawAppended,
      enrichedAppended,
      deadLettered,
      lag: {},
      processed: {},
      eventLoopP99Seconds: {},
    };
    this.stages.forEach((stage, index) => {
      const samples = scrapes[index] ?? [];
      if (samples.length === 0) return;
      reading.lag[stage.name] = sumOf(samples, 'pulse_kafka_consumer_lag');
      reading.processed[stage.name] = sumOf(samples, 'pulse_kafka_messages_processed_total');
      // Only Node processes export it: a JVM's event-loop delay is not applicable, not 0.
      if (samples.some((sample) => sample.name === 'nodejs_eventloop_lag_p99_seconds'))
        reading.eventLoopP99Seconds[stage.name] = sumOf(samples, 'nodejs_eventloop_lag_p99_seconds');
    });
    return reading;
  }

  /**
   * The pipeline's backlog in one reading: events appended to `events.raw` but neither to
   * `events.enriched` nor to `dead-letter` yet (or enrichment's own lag, whichever is larger),
   * plus what the aggregation stage reports behind.
   */
  backlogOf(reading: MonitorReading): number {
    let enrich = Math.max(0, reading.rawAppended - reading.enrichedAppended - reading.deadLettered);
    let aggregate = 0;
    for (const stage of this.stages) {
      const lag = reading.lag[stage.name] ?? 0;
      if (stage.stage === 'enrich') enrich = Math.max(enrich, lag);
      if (stage.stage === 'aggregate') aggregate += lag;
    }
    return enrich + aggregate;
  }

  readingsBetween(from: number, to: number): MonitorReading[] {
    return this.readings.filter((reading) => reading.at >= from && reading.at <= to);
  }
}
