import { ConsumerRunner, PulseProducer, type ConsumedMessage } from '@pulse/kafka';
import type { BenchKafka } from '../infra/bench-kafka';
import { LatencyRecorder, type LatencySummary } from '../stats/latency-recorder';
import { enrichedAtOf, ingestedAtOf } from './ingested-at';

/** Events whose `ingestedat` falls in [from, to) are attributed to this window. */
export interface ObservationWindow {
  readonly from: number;
  readonly to: number;
  /** ingestedat → the record reached this consumer. */
  readonly latency: LatencyRecorder;
  /** ingestedat → enrichment's `enrichedAt` stamp (handled, not yet produced): the split of `latency`. */
  readonly untilEnrichedAt: LatencyRecorder;
}

export interface EnrichedSample {
  count: number;
  meanBytes: number;
  /** A few record values as written, for a perf-test payload file. */
  values: Buffer[];
}

const SAMPLE_VALUES = 200;

/**
 * Reads the cell's `events.enriched` as a separate consumer group and times every record from
 * its `ingestedat` (stamped when ingestion — or the direct feeder, at the scheduled instant —
 * accepted it) to the moment the record reached this consumer. That is an upper bound of
 * "ingestion → appended to events.enriched": it adds one fetch round trip and this process's
 * scheduling delay, and it is what any downstream consumer could see at best.
 */
export class EnrichedObserver {
  private readonly runner: ConsumerRunner;
  private readonly windows: ObservationWindow[] = [];
  private count = 0;
  private bytes = 0;
  private readonly values: Buffer[] = [];

  constructor(bench: BenchKafka, topic: string, groupId: string, deadLetterTopic: string) {
    // The runner wants a producer for dead letters; this handler never fails, so it stays idle.
    const producer = new PulseProducer(bench.kafka);
    this.runner = new ConsumerRunner(
      bench.kafka,
      producer,
      { handle: (message) => this.observe(message) },
      {
        serviceName: 'bench-observer',
        groupId,
        topics: [topic],
        deadLetterTopic,
        fromBeginning: true,
        commitOffsets: false,
      },
      bench.logger,
    );
  }

  async start(): Promise<void> {
    await this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Starts attributing events ingested in [from, to) to a new latency recorder. */
  window(from: number, to: number): ObservationWindow {
    const window = { from, to, latency: new LatencyRecorder(), untilEnrichedAt: new LatencyRecorder() };
    this.windows.push(window);
    return window;
  }

  get observed(): number {
    return this.count;
  }

  sample(): EnrichedSample {
    return {
      count: this.count,
      meanBytes: this.count === 0 ? 0 : this.bytes / this.count,
      values: [...this.values],
    };
  }

  private observe(message: ConsumedMessage): void {
    const now = Date.now();
    const value = message.value;
    if (value === null) return;
    this.count += 1;
    this.bytes += value.length;
    if (this.values.length < SAMPLE_VALUES) this.values.push(Buffer.from(value));
    const ingestedAt = ingestedAtOf(value);
    if (Number.isNaN(ingestedAt)) return;
    for (let index = this.windows.length - 1; index >= 0; index -= 1) {
      const window = this.windows[index] as ObservationWindow;
      if (ingestedAt >= window.from && ingestedAt < window.to) {
        window.latency.record(now - ingestedAt);
        window.untilEnrichedAt.record(enrichedAtOf(value) - ingestedAt);
        return;
      }
    }
  }
}

export type { LatencySummary };
