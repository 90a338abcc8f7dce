import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Outcome, PartitionAggregator } from '../state/partition-aggregator';

/** Aggregation's own Prometheus metrics (the consumer's are in @pulse/kafka's KafkaMetrics). */
export class AggregationMetrics {
  /** One child per outcome, bound once: an unbound inc() hashes the label set on every event. */
  private readonly eventsByOutcome: Record<Outcome, Counter.Internal>;
  readonly flushes: Counter<'result'>;
  readonly flushDuration: Histogram;
  readonly pointsWritten: Counter;
  readonly resultsProduced: Counter;
  readonly windowsResettled: Counter;
  readonly pointsRejected: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    const events = new Counter({
      name: 'pulse_aggregation_events_total',
      help: 'Events by outcome: counted in their windows, late, duplicate, or ignored (no sales metric)',
      labelNames: ['outcome'],
      registers,
    });
    const exported = (outcome: Outcome): Counter.Internal => {
      const child = events.labels({ outcome });
      // A series that appears only with its first event hides that event from rate() and increase().
      child.inc(0);
      return child;
    };
    this.eventsByOutcome = {
      counted: exported('counted'),
      late: exported('late'),
      duplicate: exported('duplicate'),
      ignored: exported('ignored'),
    };
    this.flushes = new Counter({
      name: 'pulse_aggregation_flushes_total',
      help: 'Writes of changed windows to InfluxDB and metrics.windowed, by result (ok, failed, or stale_membership: refused because the group membership may have lapsed)',
      labelNames: ['result'],
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'pulse_aggregation_flush_duration_seconds',
      help: 'Time to write one flush to InfluxDB and metrics.windowed',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.pointsWritten = new Counter({
      name: 'pulse_aggregation_points_written_total',
      help: 'Window points written to InfluxDB (rewrites of a point included)',
      registers,
    });
    this.resultsProduced = new Counter({
      name: 'pulse_aggregation_results_produced_total',
      help: 'Window results produced to metrics.windowed',
      registers,
    });
    this.windowsResettled = new Counter({
      name: 'pulse_aggregation_windows_resettled_total',
      help: 'Windows rewritten whole after a write whose outcome was unknown (timeout, reset, 5xx)',
      registers,
    });
    this.pointsRejected = new Counter({
      name: 'pulse_aggregation_points_rejected_total',
      help: 'Points InfluxDB refused for good (field type conflict, tag value limit, too large): set aside to the dead-letter topic',
      registers,
    });
  }

  countEvent(outcome: Outcome): void {
    this.eventsByOutcome[outcome].inc();
  }
}

/** What the state gauges read of one owned partition. */
export interface PartitionState {
  readonly partition: number;
  readonly aggregator: Pick<
    PartitionAggregator,
    'openWindows' | 'rememberedIds' | 'unsettledWindows' | 'catchingUp' | 'watermark'
  >;
}

/** Gauges of the window state held in memory, read from the owned partitions when scraped. */
export function registerStateGauges(registry: Registry, owned: () => Iterable<PartitionState>): void {
  const partitions = () => [...owned()];
  const sumOver = (valueOf: (state: PartitionState) => number): number =>
    partitions().reduce((sum, state) => sum + valueOf(state), 0);
  // Names stay literals at each definition: the dashboard and rule checks read them from the source.
  new Gauge({
    name: 'pulse_aggregation_open_windows',
    help: 'Windows held in memory (open, or closed and not yet written)',
    registers: [registry],
    collect() {
      this.set(sumOver((state) => state.aggregator.openWindows));
    },
  });
  new Gauge({
    name: 'pulse_aggregation_remembered_event_ids',
    help: 'Distinct event ids held for duplicate detection',
    registers: [registry],
    collect() {
      this.set(sumOver((state) => state.aggregator.rememberedIds));
    },
  });
  new Gauge({
    name: 'pulse_aggregation_unsettled_windows',
    help: 'Windows carried by an InfluxDB write whose outcome is unknown, waiting to be rewritten whole',
    registers: [registry],
    collect() {
      this.set(sumOver((state) => state.aggregator.unsettledWindows));
    },
  });
  new Gauge({
    name: 'pulse_aggregation_catching_up_partitions',
    help: 'Owned partitions still replaying to their end offset (writes of open windows held back)',
    registers: [registry],
    collect() {
      this.set(sumOver((state) => (state.aggregator.catchingUp ? 1 : 0)));
    },
  });
  new Gauge({
    name: 'pulse_aggregation_watermark_timestamp_seconds',
    help: 'Watermark (max event time − allowed lateness) of each owned partition, as a Unix time in seconds',
    labelNames: ['partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const state of partitions()) {
        const watermark = state.aggregator.watermark;
        if (Number.isFinite(watermark)) this.set({ partition: String(state.partition) }, watermark / 1000);
      }
    },
  });
}
