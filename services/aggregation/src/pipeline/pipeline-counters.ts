import { Point } from '@influxdata/influxdb-client';
import { lineOf } from '../output/influx-lines';
import { MEASUREMENT } from '../output/measurements';
import type { EventFacts } from '../facts/event-facts';
import type { Outcome } from '../state/partition-aggregator';

/** Latency of one stage and when (on average) its events passed it. */
class StageTally {
  events = 0;
  /** Events whose latency is known (both timestamps present). */
  measured = 0;
  latencySum = 0;
  latencyMax = 0;
  private timeBase = Number.NaN;
  private timeOffsetSum = 0;
  private timed = 0;

  record(passedAt: number, latency: number): void {
    this.events += 1;
    if (Number.isFinite(passedAt)) {
      if (Number.isNaN(this.timeBase)) this.timeBase = passedAt;
      this.timeOffsetSum += passedAt - this.timeBase;
      this.timed += 1;
    }
    if (Number.isFinite(latency)) {
      this.measured += 1;
      this.latencySum += latency;
      if (latency > this.latencyMax) this.latencyMax = latency;
    }
  }

  /** Mean time the events passed the stage; offsets from the first keep the sum exact. */
  meanTime(fallback: number): number {
    return this.timed === 0 ? fallback : Math.round(this.timeBase + this.timeOffsetSum / this.timed);
  }
}

/**
 * What one partition saw since the last flush, for the pipeline dashboard: events per outcome,
 * and per stage (ingestion, enrichment, aggregation) how many passed and how long each took.
 * Operational numbers, written at wall-clock time: unlike the window points they are not
 * rewritten identically by a replay (a replay shows up as a burst of aggregation throughput).
 */
export class PipelineCounters {
  private outcomes = { counted: 0, late: 0, duplicate: 0, ignored: 0 };
  private deadLettered = 0;
  private ingestion = new StageTally();
  private enrichment = new StageTally();
  private aggregation = new StageTally();
  private endToEnd = new StageTally();

  record(facts: EventFacts, outcome: Outcome, now: number): void {
    this.outcomes[outcome] += 1;
    this.ingestion.record(facts.ingestedAt, facts.ingestedAt - facts.time);
    this.enrichment.record(facts.enrichedAt, facts.enrichedAt - facts.ingestedAt);
    this.aggregation.record(now, now - facts.enrichedAt);
    this.endToEnd.record(now, now - facts.time);
  }

  recordDeadLetter(): void {
    this.deadLettered += 1;
  }

  get empty(): boolean {
    return this.aggregation.events === 0 && this.deadLettered === 0;
  }

  /** The lines for everything counted since the last call, and starts counting afresh. */
  take(partition: number, now: number): string[] {
    const lines = this.lines(partition, now);
    this.outcomes = { counted: 0, late: 0, duplicate: 0, ignored: 0 };
    this.deadLettered = 0;
    this.ingestion = new StageTally();
    this.enrichment = new StageTally();
    this.aggregation = new StageTally();
    this.endToEnd = new StageTally();
    return lines;
  }

  private lines(partition: number, now: number): string[] {
    if (this.empty) return [];
    const tag = String(partition);
    const stage = (name: string, tally: StageTally, at: number): Point =>
      new Point(MEASUREMENT.pipeline)
        .tag('stage', name)
        .tag('partition', tag)
        .intField('events', tally.events)
        .intField('measured', tally.measured)
        .floatField('latency_ms_sum', tally.latencySum)
        .floatField('latency_ms_max', tally.latencyMax)
        .timestamp(at);
    const out: string[] = [];
    if (this.ingestion.measured > 0)
      out.push(lineOf(stage('ingestion', this.ingestion, this.ingestion.meanTime(now))));
    if (this.enrichment.events > 0)
      out.push(lineOf(stage('enrichment', this.enrichment, this.enrichment.meanTime(now))));
    out.push(
      lineOf(
        stage('aggregation', this.aggregation, now)
          .intField('counted', this.outcomes.counted)
          .intField('late', this.outcomes.late)
          .intField('duplicates', this.outcomes.duplicate)
          .intField('ignored', this.outcomes.ignored)
          .intField('dead_lettered', this.deadLettered)
          .floatField('e2e_ms_sum', this.endToEnd.latencySum)
          .floatField('e2e_ms_max', this.endToEnd.latencyMax),
      ),
    );
    return out;
  }
}
