import { setTimeout as sleep } from 'node:timers/promises';
import { residentMb } from '../../proc/process-meter';
import type { PipelineRun, Reconciliation, StepResult } from '../../report/results';
import { collectProfiles } from '../../profile/collect-profiles';
import { cellNames, type RunContext } from '../../run-context';
import { prepareCellResources, releaseCellResources } from '../cell-resources';
import type { PipelineSystem } from '../pipeline-system';
import { startPulse } from '../pulse-system';
import { pulseDurationMs, startStreams, type StreamsGuarantee } from '../streams-system';
import { FINAL_DRAIN_MS, PipelineRunner } from './pipeline-runner';

export type PipelineCellName = 'pulse' | 'pulse-direct' | 'streams' | 'streams-alos';

/** The Kafka Streams peer's cells and the processing guarantee each runs. */
const STREAMS_GUARANTEE: Partial<Record<PipelineCellName, StreamsGuarantee>> = {
  streams: 'exactly_once_v2',
  'streams-alos': 'at_least_once',
};

/**
 * A peer whose InfluxDB totals differ from the input is wrong, not slow: its figures would compare
 * Pulse with a pipeline that does less. The run fails with the difference.
 */
function assertExact(cell: string, reconciliation: Reconciliation): void {
  if (
    reconciliation.lost === 0 &&
    reconciliation.duplicated === 0 &&
    reconciliation.settledAfterMs !== undefined
  )
    return;
  const { expected, observed } = reconciliation;
  throw new Error(
    `${cell} is not exact: InfluxDB holds orders ${observed.orders}, units ${observed.units}, views ${observed.views}, ` +
      `cart adds ${observed.cartAdds}; the input had ${expected.orders}, ${expected.units}, ${expected.views}, ` +
      `${expected.cartAdds} (${reconciliation.lost} lost, ${reconciliation.duplicated} duplicated)`,
  );
}

/** Half the ladder's first rate: enough to compile every path, little enough not to overload a cold start. */
export function warmUpRate(rates: readonly number[]): number {
  return Math.max(50, Math.round((rates[0] ?? 100) / 2));
}

/** Shares of the saturated throughput tried, in order, when no rate of the ladder was sustained. */
const FALLBACK_SHARES = [0.8, 0.6, 0.4];

/**
 * How long a pipeline rests before its idle RSS is read: after readiness, start-up work (consumer
 * group join, reference tables, JIT, the first collections) is still settling; after the final
 * drain, at least this for the last flushes and commits (see restAfterDrainMs).
 */
export const IDLE_SETTLE_MS = 5_000;

/** Two of a Pulse service's 5-second CPU samples, which decide when it counts as quiet, plus 2 s. */
const QUIET_DETECTION_SLACK_MS = 12_000;

/**
 * How long every pipeline rests after the final drain before its idle RSS is read: a Pulse service
 * gives back what the load grew once it has been quiet for PULSE_IDLE_MEMORY_RELEASE, judged on
 * 5-second samples of its CPU (so up to two samples later), and the figure is meant to be what a
 * pod holds between bursts. The peer rests as long, for a like-for-like reading.
 */
export function restAfterDrainMs(repoRoot: string, serviceEnv: Readonly<Record<string, string>>): number {
  const quietMs = pulseDurationMs(repoRoot, serviceEnv, 'PULSE_IDLE_MEMORY_RELEASE');
  return quietMs > 0 ? Math.max(IDLE_SETTLE_MS, quietMs + QUIET_DETECTION_SLACK_MS) : IDLE_SETTLE_MS;
}

const rssText = (figures: Record<string, number>) =>
  Object.entries(figures)
    .map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`)
    .join(', ');

/**
 * One run of a pipeline cell: fresh topics, groups and database; the pipeline started and its idle
 * RSS read; an unjudged warm-up at half the first rate; rising constant rates until one is not sustained; one more step at half the highest
 * sustained rate (where the latency targets apply); then reconciliation against InfluxDB, and the
 * idle RSS read again.
 */
export async function runPipelineCell(
  context: RunContext,
  cell: PipelineCellName,
  repetition: number,
): Promise<PipelineRun> {
  const names = cellNames(context, cell, repetition);
  const feed = cell === 'pulse' ? 'http' : 'direct';
  await prepareCellResources(context, names, true);
  let system: PipelineSystem | undefined;
  let runner: PipelineRunner | undefined;
  try {
    const guarantee = STREAMS_GUARANTEE[cell];
    if (guarantee !== undefined) {
      if (context.streamsPeerJar === undefined) throw new Error('the Kafka Streams peer was not built');
      system = await startStreams(context, names, guarantee, context.streamsPeerJar);
    } else {
      system = await startPulse(
        context,
        names,
        feed === 'http' ? ['ingestion', 'enrichment', 'aggregation'] : ['enrichment', 'aggregation'],
      );
    }
    // Idle memory: ready and settled, before any event and before the harness's first scrape.
    await sleep(IDLE_SETTLE_MS);
    const beforeTraffic = residentMb(system.processes, 'rss');
    context.log(`  ${names.label}: idle RSS before traffic ${rssText(beforeTraffic)}`);
    runner = new PipelineRunner(context, names, system, feed);
    await runner.start();
    await runner.warmUp(warmUpRate(context.options.rates));
    const steps: StepResult[] = [];
    let sustainedRate = 0;
    for (const rate of context.options.rates) {
      const step = await runner.step(rate, 'ramp');
      steps.push(step);
      if (!step.sustained) break;
      sustainedRate = rate;
    }
    let ready = await runner.drain(0, FINAL_DRAIN_MS);
    const saturated = Math.max(0, ...steps.map((step) => step.throughput));
    // Below the ladder: steps at falling shares of the throughput seen at saturation, so that a
    // pipeline slower than the lowest rate still gets a sustained rate and latency figures.
    for (const share of FALLBACK_SHARES) {
      if (sustainedRate > 0 || !ready || saturated <= 0) break;
      const fallback = await runner.step(Math.max(50, Math.round((saturated * share) / 50) * 50), 'fallback');
      steps.push(fallback);
      if (fallback.sustained) sustainedRate = fallback.offeredRate;
      ready = await runner.drain(0, FINAL_DRAIN_MS);
    }
    if (sustainedRate > 0 && ready) {
      if (context.options.latencyRate !== undefined) {
        runner.notes.push(
          `latency step at --latency-rate ${context.options.latencyRate}/s, not half the sustained rate`,
        );
      }
      steps.push(await runner.step(context.options.latencyRate ?? Math.round(sustainedRate / 2), 'latency'));
    } else {
      runner.notes.push(
        sustainedRate === 0
          ? 'no rate was sustained: no latency step at half the sustained rate'
          : 'the backlog did not drain: no latency step',
      );
    }
    const reconciliation = await runner.reconcile();
    if (guarantee !== undefined) assertExact(cell, reconciliation);
    await runner.windowLatencies();
    const peakRssMb = runner.peakRssMb();
    await sleep(restAfterDrainMs(context.repoRoot, context.options.serviceEnv));
    const afterDrain = residentMb(system.processes, 'rss');
    context.log(`  ${names.label}: idle RSS after the final drain ${rssText(afterDrain)}`);
    await runner.stop();
    await system.stop();
    const profiles =
      system.profileDir === undefined ? undefined : collectProfiles(system.profileDir, system.processes);
    return {
      kind: 'pipeline',
      cell,
      repetition,
      feed,
      steps,
      sustainedRate,
      peakThroughput: Math.max(0, ...steps.map((step) => step.throughput)),
      peakRssMb,
      idleRssMb: { beforeTraffic, afterDrain },
      meanEnrichedBytes: runner.meanEnrichedBytes(),
      reconciliation,
      ...(profiles ? { profiles } : {}),
      notes: runner.notes,
    };
  } finally {
    await runner?.stop();
    await system?.stop();
    await releaseCellResources(context, names, true);
    // Kafka Streams names its internal topics (changelogs, repartition) after its application id.
    if (STREAMS_GUARANTEE[cell] !== undefined && !context.options.keep) {
      await context.kafka.deleteTopicsWithPrefix(`${names.groupPrefix}-`).catch((error: unknown) => {
        context.log(`  could not delete the internal topics of ${names.label}: ${(error as Error).message}`);
      });
    }
  }
}
