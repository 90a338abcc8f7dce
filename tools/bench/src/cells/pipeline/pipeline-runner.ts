import { setTimeout as sleep } from 'node:timers/promises';
import { topicNames } from '@pulse/kafka';
import { countedEvents, sumTotals, type ActivityTotals } from '../../feed/event-totals';
import { EnrichedObserver, type ObservationWindow } from '../../measure/enriched-observer';
import { PipelineMonitor, type MonitorReading } from '../../measure/pipeline-monitor';
import { judgeStep } from '../../measure/verdict';
import { windowLatencies } from '../../measure/window-latency';
import { WindowProbe } from '../../measure/window-probe';
import { CpuWindow, PeakRss, type MeteredProcess } from '../../proc/process-meter';
import type { Reconciliation, StepResult } from '../../report/results';
import type { CellNames, RunContext } from '../../run-context';
import { LatencyRecorder } from '../../stats/latency-recorder';
import type { PipelineSystem } from '../pipeline-system';
import { directInput, httpInput, type InputRun, type PipelineInput } from './inputs';
import { cpuTotals, processFigures, rateBetween } from './step-figures';

const WINDOW_POLL_MS = 200;
const CATCH_UP_MS = 15_000;
export const FINAL_DRAIN_MS = 180_000;
const SETTLE_MS = 60_000;

interface StepTiming {
  step: StepResult;
  feedFrom: number;
  feedTo: number;
}

/** Everything one pipeline cell run holds while its steps run: monitor, observer, probe, input. */
export class PipelineRunner {
  private readonly monitor: PipelineMonitor;
  private readonly observer: EnrichedObserver;
  private readonly probe: WindowProbe;
  private readonly input: PipelineInput;
  private readonly inputs: InputRun[] = [];
  private readonly timings: StepTiming[] = [];
  /** Input runs so far, the warm-up's included: each gets its own ids, seed and files. */
  private inputRuns = 0;
  /** Each pipeline process's peak RSS, reset at every step so that each step has its own. */
  private readonly peaks: PeakRss;
  readonly notes: string[] = [];

  constructor(
    private readonly context: RunContext,
    private readonly names: CellNames,
    private readonly system: PipelineSystem,
    feed: 'http' | 'direct',
  ) {
    const topics = topicNames(names.topicPrefix);
    this.peaks = new PeakRss(system.processes);
    this.monitor = new PipelineMonitor(
      context.kafka,
      { raw: topics.eventsRaw, enriched: topics.eventsEnriched, deadLetter: topics.deadLetter },
      system.stages,
    );
    this.observer = new EnrichedObserver(
      context.kafka,
      topics.eventsEnriched,
      `${names.groupPrefix}-observer`,
      topics.deadLetter,
    );
    this.probe = new WindowProbe(
      context.influx,
      names.database,
      `${context.options.windowMs / 1000}s`,
      WINDOW_POLL_MS,
    );
    this.input =
      feed === 'http' && system.ingestUrl !== undefined
        ? httpInput(context, system.ingestUrl, names)
        : directInput(context, topics.eventsRaw, names);
  }

  async start(): Promise<void> {
    await this.observer.start();
    this.monitor.start();
    this.probe.start(Date.now());
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.monitor.stop(), this.probe.stop(), this.observer.stop()]);
  }

  private metered(): MeteredProcess[] {
    return [
      ...this.system.processes,
      ...this.context.stackProcesses,
      { name: 'bench-observer', pid: process.pid, role: 'observer' },
    ];
  }

  private aggregated(reading: MonitorReading): number {
    return this.system.stages
      .filter((stage) => stage.stage === 'aggregate')
      .reduce((sum, stage) => sum + (reading.processed[stage.name] ?? 0), 0);
  }

  /** One constant-rate step: feed, catch up, and judge it. */
  async step(rate: number, kind: StepResult['kind']): Promise<StepResult> {
    const { options } = this.context;
    const index = this.inputRuns++;
    this.context.log(
      `  ${this.names.label}: ${kind} step at ${rate} events/s for ${options.durationMs / 1000} s`,
    );
    this.peaks.restart();
    const cpu = new CpuWindow(this.metered());
    const before = await this.monitor.read();
    const feedFrom = Date.now();
    const window: ObservationWindow = this.observer.window(
      feedFrom + options.warmupMs,
      feedFrom + options.durationMs + 5_000,
    );
    const input = await this.input.run(rate, options.durationMs, index);
    const feedTo = Date.now();
    this.inputs.push(input);
    const caughtUp = await this.drain(Math.max(100, rate * 0.05), CATCH_UP_MS);
    const after = await this.monitor.read();
    const cpuReadings = [
      ...cpu.stop(),
      { name: this.input.name, role: 'generator' as const, cpuMs: input.generatorCpuMs },
    ];
    const machine = cpu.machine(cpuReadings.reduce((sum, reading) => sum + reading.cpuMs, 0));
    const during = this.monitor.readingsBetween(feedFrom, feedTo);
    const handled = this.aggregated(after) - this.aggregated(before);
    // Throughput after warm-up: the first readings still show the input starting.
    const steady = during.filter((reading) => reading.at >= feedFrom + options.warmupMs);
    const throughput = rateBetween(steady[0], steady[steady.length - 1], (reading) =>
      this.aggregated(reading),
    );
    const verdict = judgeStep({
      offeredRate: rate,
      planned: input.planned,
      accepted: input.accepted,
      inputBehindMs: input.behindMs,
      throughput,
      lag: during.map((reading) => ({
        atSeconds: (reading.at - feedFrom) / 1000,
        lag: this.monitor.backlogOf(reading),
      })),
    });
    const processes = processFigures(cpuReadings, handled, during);
    const crashed = this.system.crashed();
    const reasons = [...verdict.reasons, ...(crashed.length > 0 ? [`crashed: ${crashed.join(', ')}`] : [])];
    if (!caughtUp) reasons.push(`backlog not cleared ${CATCH_UP_MS / 1000} s after the step`);
    const step: StepResult = {
      offeredRate: rate,
      kind,
      durationMs: options.durationMs,
      planned: input.planned,
      accepted: input.accepted,
      throughput,
      sustained: verdict.sustained && crashed.length === 0,
      reasons,
      maxLag: verdict.maxLag,
      lagGrowthPerSecond: verdict.lagGrowthPerSecond,
      ...(window.latency.summary() ? { ingestToEnriched: window.latency.summary() } : {}),
      ...(window.untilEnrichedAt.summary() ? { ingestToEnrichedAt: window.untilEnrichedAt.summary() } : {}),
      processes,
      cpuMsPer1000: cpuTotals(processes),
      peakRssMb: this.peaks.sinceRestart(),
      machine,
    };
    this.notes.push(...input.notes);
    this.timings.push({ step, feedFrom, feedTo });
    this.context.log(
      `    ${step.sustained ? 'sustained' : 'NOT sustained'}: throughput ${Math.round(step.throughput)}/s, ` +
        `max backlog ${step.maxLag}, p99 ingest→enriched ${step.ingestToEnriched?.p99.toFixed(1) ?? '-'} ms, ` +
        `machine ${machine.busyCores.toFixed(2)} cores busy (${machine.unmeasuredCores.toFixed(2)} by others)` +
        (reasons.length > 0 ? ` (${reasons.join('; ')})` : ''),
    );
    return step;
  }

  /**
   * Feeds one step's length at `rate` and waits for the backlog to clear, judging nothing: code
   * paths are compiled and pools, caches and connections filled before the first judged step, as
   * in a pipeline that has been running. A JVM's first seconds cost it five times its warm CPU per
   * event, which would otherwise decide the peer's first step. The events count in the
   * reconciliation like any others.
   */
  async warmUp(rate: number): Promise<void> {
    const { durationMs } = this.context.options;
    this.context.log(
      `  ${this.names.label}: warm-up at ${rate} events/s for ${durationMs / 1000} s (not judged)`,
    );
    const input = await this.input.run(rate, durationMs, this.inputRuns++);
    this.inputs.push(input);
    if (!(await this.drain(0, FINAL_DRAIN_MS))) this.notes.push('the warm-up backlog did not drain');
  }

  /** Waits until the backlog is at most `threshold` events; false on timeout. */
  async drain(threshold: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reading = await this.monitor.read().catch(() => undefined);
      if (reading && this.monitor.backlogOf(reading) <= threshold) return true;
      if (Date.now() > deadline) return false;
      await sleep(500);
    }
  }

  /** Window end → InfluxDB, per step, from the probe's polls and the drained final counts. */
  async windowLatencies(): Promise<void> {
    await this.probe.stop();
    const finalReadAt = Date.now();
    const finals = await this.probe.counts();
    const windowMs = this.context.options.windowMs;
    for (const { step, feedFrom, feedTo } of this.timings) {
      const recorder = new LatencyRecorder();
      const eligible = (start: number) =>
        start >= feedFrom + this.context.options.warmupMs && start + windowMs <= feedTo;
      for (const { latencyMs } of windowLatencies(
        this.probe.observations,
        finals,
        finalReadAt,
        windowMs,
        eligible,
      )) {
        recorder.record(latencyMs);
      }
      const summary = recorder.summary();
      if (summary) step.windowEndToInflux = summary;
    }
  }

  /**
   * InfluxDB's totals against what the input acknowledged, once the pipeline has drained.
   * Aggregation writes on an interval and retries failed writes with backoff, so InfluxDB may
   * trail the drained consumer: wait up to SETTLE_MS for the expected totals before calling a
   * difference lost.
   */
  async reconcile(): Promise<Reconciliation> {
    const drained = await this.drain(0, FINAL_DRAIN_MS);
    if (this.system.closeWindows) {
      await this.system.closeWindows();
      // The heartbeats pass through to events.enriched; wait until they have.
      await this.drain(0, 30_000);
    }
    const drainedAt = Date.now();
    const expected = sumTotals(this.inputs.map((input) => input.totals));
    let observed: ActivityTotals = await this.probe.totals();
    while (countedEvents(observed) !== countedEvents(expected) && Date.now() - drainedAt < SETTLE_MS) {
      await sleep(1_000);
      observed = await this.probe.totals();
    }
    const settled = countedEvents(observed) === countedEvents(expected);
    const fields = ['orders', 'views', 'cartAdds'] as const;
    const topics = topicNames(this.names.topicPrefix);
    return {
      expected,
      observed,
      countedLate: await this.probe.lateTotals(),
      settledAfterMs: settled ? Date.now() - drainedAt : undefined,
      lost: fields.reduce((sum, field) => sum + Math.max(0, expected[field] - observed[field]), 0),
      duplicated: fields.reduce((sum, field) => sum + Math.max(0, observed[field] - expected[field]), 0),
      drained,
      enrichedRecords: await this.context.kafka.appended(topics.eventsEnriched),
      acceptedEvents: this.inputs.reduce((sum, input) => sum + input.accepted, 0),
    };
  }

  /** Each pipeline process's peak RSS (MB) over the whole cell run so far, start-up included. */
  peakRssMb(): Record<string, number> {
    if (!this.peaks.resettable)
      this.notes.push("peak RSS could not be reset between steps: each step's includes the steps before it");
    return this.peaks.overallPeak();
  }

  meanEnrichedBytes(): number {
    return this.observer.sample().meanBytes;
  }
}
