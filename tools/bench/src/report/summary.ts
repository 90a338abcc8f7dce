import { spreadOf, type Spread } from '../stats/summary';
import type { CeilingRun, CellRun, DrainRun, FailedRun, HttpRun, PipelineRun, StepResult } from './results';

export type Figures = Record<string, Spread | undefined>;

export interface CellSummary {
  cell: string;
  runs: number;
  failed: number;
  figures: Figures;
}

export interface TargetCheck {
  id: string;
  description: string;
  target: string;
  measured: string;
  /** undefined: the cells it needs did not run or produced no figure. */
  met: boolean | undefined;
  note: string;
}

export interface BenchSummary {
  cells: CellSummary[];
  ratios: Figures;
  targets: TargetCheck[];
}

type AnyRun = CellRun | FailedRun;

/** The step whose CPU and event-loop figures represent a run: the highest sustained ramp step, else the busiest. */
export function referenceStep(run: PipelineRun): StepResult | undefined {
  const ramp = run.steps.filter((step) => step.kind !== 'latency');
  const sustained = ramp.filter((step) => step.sustained);
  if (sustained.length > 0) return sustained[sustained.length - 1];
  return [...ramp].sort((a, b) => b.throughput - a.throughput)[0];
}

function latencyStep(run: PipelineRun): StepResult | undefined {
  return run.steps.find((step) => step.kind === 'latency');
}

function runsOf<T extends CellRun>(runs: readonly AnyRun[], cell: string, kind: T['kind']): T[] {
  return runs.filter((run): run is T => run.cell === cell && run.kind === kind);
}

function pipelineFigures(runs: readonly PipelineRun[], cores: number): Figures {
  const figures: Figures = {
    'sustained events/s': spreadOf(runs.map((run) => run.sustainedRate)),
    'peak throughput events/s': spreadOf(runs.map((run) => run.peakThroughput)),
    'CPU ms/1000 events, pipeline': spreadOf(runs.map((run) => referenceStep(run)?.cpuMsPer1000.pipeline)),
    'CPU ms/1000 events, all incl. broker+generator': spreadOf(
      runs.map((run) => referenceStep(run)?.cpuMsPer1000.all),
    ),
    'half-rate p50 ingest→enriched ms': spreadOf(runs.map((run) => latencyStep(run)?.ingestToEnriched?.p50)),
    'half-rate p95 ingest→enriched ms': spreadOf(runs.map((run) => latencyStep(run)?.ingestToEnriched?.p95)),
    'half-rate p99 ingest→enriched ms': spreadOf(runs.map((run) => latencyStep(run)?.ingestToEnriched?.p99)),
    'half-rate p99.9 ingest→enriched ms': spreadOf(
      runs.map((run) => latencyStep(run)?.ingestToEnriched?.p999),
    ),
    'half-rate p50 ingest→enrichedAt stamp ms': spreadOf(
      runs.map((run) => latencyStep(run)?.ingestToEnrichedAt?.p50),
    ),
    'half-rate p99 ingest→enrichedAt stamp ms': spreadOf(
      runs.map((run) => latencyStep(run)?.ingestToEnrichedAt?.p99),
    ),
    'half-rate p50 window end→InfluxDB ms': spreadOf(
      runs.map((run) => latencyStep(run)?.windowEndToInflux?.p50),
    ),
    'half-rate p99 window end→InfluxDB ms': spreadOf(
      runs.map((run) => latencyStep(run)?.windowEndToInflux?.p99),
    ),
    'lost events': spreadOf(runs.map((run) => run.reconciliation?.lost)),
    'duplicated events': spreadOf(runs.map((run) => run.reconciliation?.duplicated)),
    'events counted as late': spreadOf(
      runs.map((run) => {
        const late = run.reconciliation?.countedLate;
        return late === undefined ? undefined : late.orders + late.views + late.cartAdds;
      }),
    ),
    'InfluxDB settled after drain ms': spreadOf(runs.map((run) => run.reconciliation?.settledAfterMs)),
    'mean enriched event bytes': spreadOf(runs.map((run) => run.meanEnrichedBytes)),
    'machine busy cores (reference step)': spreadOf(runs.map((run) => referenceStep(run)?.machine.busyCores)),
    'cores used by other processes (reference step)': spreadOf(
      runs.map((run) => referenceStep(run)?.machine.unmeasuredCores),
    ),
    'load average 1m (reference step)': spreadOf(
      runs.map((run) => referenceStep(run)?.machine.loadAverage1m),
    ),
    // What the measured CPU cost allows at most on this machine if nothing else ran on it.
    'CPU-bound limit events/s (cores ÷ CPU per event, all processes)': spreadOf(
      runs.map((run) => {
        const all = referenceStep(run)?.cpuMsPer1000.all;
        return all === undefined || all <= 0 ? undefined : (cores * 1_000_000) / all;
      }),
    ),
    'CPU-bound limit events/s (cores ÷ CPU per event, pipeline only)': spreadOf(
      runs.map((run) => {
        const pipeline = referenceStep(run)?.cpuMsPer1000.pipeline;
        return pipeline === undefined || pipeline <= 0 ? undefined : (cores * 1_000_000) / pipeline;
      }),
    ),
  };
  const names = new Set(
    runs.flatMap((run) => referenceStep(run)?.processes.map((process) => process.name) ?? []),
  );
  for (const name of names) {
    const processOf = (run: PipelineRun) =>
      referenceStep(run)?.processes.find((process) => process.name === name);
    figures[`CPU ms/1000 events, ${name}`] = spreadOf(runs.map((run) => processOf(run)?.cpuMsPer1000));
    figures[`event-loop p99 ms (worst second), ${name}`] = spreadOf(
      runs.map((run) => processOf(run)?.eventLoopP99Ms?.max),
    );
  }
  for (const name of pipelineProcessNames(runs)) {
    figures[`idle RSS MB before traffic, ${name}`] = spreadOf(
      runs.map((run) => run.idleRssMb.beforeTraffic[name]),
    );
    figures[`idle RSS MB after the final drain, ${name}`] = spreadOf(
      runs.map((run) => run.idleRssMb.afterDrain[name]),
    );
    figures[`peak RSS MB at the highest sustained rate, ${name}`] = spreadOf(
      runs.map((run) => referenceStep(run)?.peakRssMb[name]),
    );
    figures[`peak RSS MB over the whole run, ${name}`] = spreadOf(runs.map((run) => run.peakRssMb[name]));
  }
  return figures;
}

/** The pipeline's own processes (services, or the peer's JVM) named in any of the runs. */
function pipelineProcessNames(runs: readonly PipelineRun[]): string[] {
  return [
    ...new Set(
      runs.flatMap((run) => [
        ...Object.keys(run.idleRssMb.beforeTraffic),
        ...Object.keys(run.idleRssMb.afterDrain),
        ...Object.keys(run.peakRssMb),
      ]),
    ),
  ];
}

/**
 * The steps of two runs at the highest rate both sustained (ramp or fallback), where their CPU per
 * event compares like with like: per-event cost falls as batches fill, so each run's own highest
 * rate would favour the faster pipeline.
 */
export function stepsAtCommonRate(
  a: PipelineRun,
  b: PipelineRun,
): { rate: number; a: StepResult; b: StepResult } | undefined {
  const sustainedAt = (run: PipelineRun, rate: number) =>
    run.steps.find((step) => step.kind !== 'latency' && step.sustained && step.offeredRate === rate);
  const rates = a.steps
    .filter((step) => step.kind !== 'latency' && step.sustained)
    .map((step) => step.offeredRate)
    .filter((rate) => sustainedAt(b, rate) !== undefined)
    .sort((x, y) => y - x);
  const rate = rates[0];
  if (rate === undefined) return undefined;
  const stepA = sustainedAt(a, rate);
  const stepB = sustainedAt(b, rate);
  return stepA && stepB ? { rate, a: stepA, b: stepB } : undefined;
}

/** Every ramp step sustained: the run held the ladder's top, so its sustained rate is a lower bound. */
function heldLadderTop(run: PipelineRun): boolean {
  const ramp = run.steps.filter((step) => step.kind === 'ramp');
  return ramp.length > 0 && ramp.every((step) => step.sustained);
}

/** A peer that sustained none of its rates (nor a fallback) is compared by its capacity instead. */
const peerRate = (run: PipelineRun) => (run.sustainedRate > 0 ? run.sustainedRate : run.peakThroughput);

const brokerCpu = (step: StepResult) =>
  step.processes
    .filter((process) => process.role === 'broker')
    .reduce<number | undefined>((sum, process) => (sum ?? 0) + process.cpuMsPer1000, undefined);

const summed = (figures: Record<string, number> | undefined) => {
  const values = Object.values(figures ?? {});
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
};

/** Pulse (fed directly) ÷ the peer, per repetition: rate, CPU at a common rate, memory. */
function peerRatios(direct: readonly PipelineRun[], peer: readonly PipelineRun[], label: string): Figures {
  const atCommonRate =
    (side: 'a' | 'b', figure: (step: StepResult) => number | undefined) =>
    (run: PipelineRun): number | undefined => {
      const other = (side === 'a' ? peer : direct).find(
        (candidate) => candidate.repetition === run.repetition,
      );
      if (!other) return undefined;
      const common = side === 'a' ? stepsAtCommonRate(run, other) : stepsAtCommonRate(other, run);
      return common === undefined ? undefined : figure(common[side]);
    };
  const cpu = (figure: (step: StepResult) => number | undefined) =>
    ratioSpread(direct, peer, atCommonRate('a', figure), atCommonRate('b', figure));
  return {
    [`pulse-direct ÷ ${label}, sustained events/s`]: ratioSpread(
      direct,
      peer,
      (run) => run.sustainedRate,
      peerRate,
    ),
    // The ladder's steps are coarse: capacity shows what a step hides.
    [`pulse-direct ÷ ${label}, throughput at saturation`]: ratioSpread(
      direct,
      peer,
      (run) => run.peakThroughput,
      (run) => run.peakThroughput,
    ),
    [`pulse-direct ÷ ${label}, pipeline CPU per 1000 events (same rate)`]: cpu(
      (step) => step.cpuMsPer1000.pipeline,
    ),
    [`pulse-direct ÷ ${label}, broker CPU per 1000 events (same rate)`]: cpu(brokerCpu),
    [`pulse-direct ÷ ${label}, all measured CPU per 1000 events (same rate)`]: cpu(
      (step) => step.cpuMsPer1000.all,
    ),
    [`pulse-direct ÷ ${label}, idle RSS before traffic (pipeline processes summed)`]: ratioSpread(
      direct,
      peer,
      (run) => summed(run.idleRssMb.beforeTraffic),
      (run) => summed(run.idleRssMb.beforeTraffic),
    ),
    [`pulse-direct ÷ ${label}, peak RSS at the highest sustained rate (pipeline processes summed)`]:
      ratioSpread(
        direct,
        peer,
        (run) => summed(referenceStep(run)?.peakRssMb),
        (run) => summed(referenceStep(run)?.peakRssMb),
      ),
  };
}

function ceilingFigures(runs: readonly CeilingRun[]): Figures {
  return {
    'produce records/s': spreadOf(runs.map((run) => run.produce.recordsPerSecond)),
    'produce MB/s': spreadOf(runs.map((run) => run.produce.mbPerSecond)),
    'produce p99 ms': spreadOf(runs.map((run) => run.produce.p99LatencyMs)),
    'consume records/s (incl. group join)': spreadOf(runs.map((run) => run.consume.recordsPerSecond)),
    'consume fetch records/s': spreadOf(runs.map((run) => run.consume.fetchRecordsPerSecond)),
    'record bytes': spreadOf(runs.map((run) => run.recordBytes)),
    'CPU ms/1000, producer tool + broker': spreadOf(
      runs.map((run) => run.cpuMsPer1000.producerTool + run.cpuMsPer1000.brokerWhileProducing),
    ),
    'CPU ms/1000, consumer tool + broker': spreadOf(
      runs.map((run) => run.cpuMsPer1000.consumerTool + run.cpuMsPer1000.brokerWhileConsuming),
    ),
    'cores used by other processes while producing': spreadOf(
      runs.map((run) => run.machine.producing.unmeasuredCores),
    ),
  };
}

function drainFigures(runs: readonly DrainRun[]): Figures {
  return {
    'enrichment alone records/s': spreadOf(runs.map((run) => run.recordsPerSecond)),
    'CPU ms/1000 events, enrichment': spreadOf(runs.map((run) => run.cpuMsPer1000)),
    'peak RSS MB, enrichment': spreadOf(runs.map((run) => run.peakRssMb)),
    'cores used by other processes': spreadOf(runs.map((run) => run.machine.unmeasuredCores)),
  };
}

function httpFigures(runs: readonly HttpRun[]): Figures {
  const figures: Figures = { 'peak RSS MB, ingestion': spreadOf(runs.map((run) => run.peakRssMb)) };
  for (const endpoint of ['single', 'batch'] as const) {
    const of = (run: HttpRun) => run.endpoints.find((figure) => figure.endpoint === endpoint);
    figures[`${endpoint}: requests/s`] = spreadOf(runs.map((run) => of(run)?.requestsPerSecond));
    figures[`${endpoint}: events/s`] = spreadOf(runs.map((run) => of(run)?.eventsPerSecond));
    figures[`${endpoint}: p50 ms`] = spreadOf(runs.map((run) => of(run)?.latencyMs.p50));
    figures[`${endpoint}: p99 ms`] = spreadOf(runs.map((run) => of(run)?.latencyMs.p99));
    figures[`${endpoint}: non-2xx`] = spreadOf(runs.map((run) => of(run)?.non2xx));
    figures[`${endpoint}: ingestion CPU ms/1000 events`] = spreadOf(
      runs.map((run) => of(run)?.ingestionCpuMsPer1000),
    );
  }
  return figures;
}

/** a/b per repetition, for repetitions where both exist. */
function ratioSpread<A extends { repetition: number }, B extends { repetition: number }>(
  as: readonly A[],
  bs: readonly B[],
  a: (run: A) => number | undefined,
  b: (run: B) => number | undefined,
): Spread | undefined {
  return spreadOf(
    as.map((runA) => {
      const runB = bs.find((candidate) => candidate.repetition === runA.repetition);
      const numerator = a(runA);
      const denominator = runB ? b(runB) : undefined;
      return numerator === undefined || denominator === undefined || denominator <= 0
        ? undefined
        : numerator / denominator;
    }),
  );
}

/** Large figures to `digits` decimals; small ones (ratios such as 0.004) to three significant digits. */
const fmt = (value: number | undefined, digits = 0) => {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  if (value !== 0 && Math.abs(value) < 10)
    return value.toLocaleString('en-US', { maximumSignificantDigits: 3 });
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
};

function spreadText(spread: Spread | undefined, digits = 0, unit = ''): string {
  if (!spread) return 'n/a';
  return `${fmt(spread.median, digits)}${unit} (${fmt(spread.min, digits)}–${fmt(spread.max, digits)}, n=${spread.n})`;
}

function check(
  id: string,
  description: string,
  target: string,
  spread: Spread | undefined,
  passes: (median: number) => boolean,
  digits: number,
  unit: string,
  note: string,
): TargetCheck {
  return {
    id,
    description,
    target,
    measured: spreadText(spread, digits, unit),
    met: spread === undefined ? undefined : passes(spread.median),
    note,
  };
}

/** Medians and spreads per cell, Pulse's ratios to the Kafka Streams peer and the ceiling, and the targets. */
export function summarize(runs: readonly AnyRun[], cores: number): BenchSummary {
  const failed = (cell: string) => runs.filter((run) => run.kind === 'failed' && run.cell === cell).length;
  const pulse = runsOf<PipelineRun>(runs, 'pulse', 'pipeline');
  const direct = runsOf<PipelineRun>(runs, 'pulse-direct', 'pipeline');
  const streams = runsOf<PipelineRun>(runs, 'streams', 'pipeline');
  const streamsAlos = runsOf<PipelineRun>(runs, 'streams-alos', 'pipeline');
  const ceiling = runsOf<CeilingRun>(runs, 'kafka', 'ceiling');
  const drain = runsOf<DrainRun>(runs, 'enrichment', 'drain');
  const http = runsOf<HttpRun>(runs, 'http', 'http');

  const cells: CellSummary[] = [];
  const add = (cell: string, count: number, figures: Figures) => {
    if (count > 0 || failed(cell) > 0) cells.push({ cell, runs: count, failed: failed(cell), figures });
  };
  add('kafka', ceiling.length, ceilingFigures(ceiling));
  add('pulse-direct', direct.length, pipelineFigures(direct, cores));
  add('pulse', pulse.length, pipelineFigures(pulse, cores));
  add('streams', streams.length, pipelineFigures(streams, cores));
  add('streams-alos', streamsAlos.length, pipelineFigures(streamsAlos, cores));
  add('enrichment', drain.length, drainFigures(drain));
  add('http', http.length, httpFigures(http));

  const ratios: Figures = {
    ...peerRatios(direct, streams, 'streams (exactly once)'),
    ...peerRatios(direct, streamsAlos, 'streams-alos (at least once)'),
    // Context, not a target: how far each pipeline's input is from what the broker takes at most.
    'pulse-direct ÷ Kafka produce ceiling': ratioSpread(
      direct,
      ceiling,
      (run) => run.sustainedRate,
      (run) => run.produce.recordsPerSecond,
    ),
    'pulse (HTTP) ÷ Kafka produce ceiling': ratioSpread(
      pulse,
      ceiling,
      (run) => run.sustainedRate,
      (run) => run.produce.recordsPerSecond,
    ),
  };
  const ratio = (name: string) => ratios[name];

  const endToEnd = pulse.length > 0 ? pulse : direct;
  const endToEndName = pulse.length > 0 ? 'pulse (HTTP)' : 'pulse-direct (no HTTP: not end to end)';
  const pulseCells = [
    { cell: 'pulse-direct', runs: direct },
    { cell: 'pulse', runs: pulse },
  ].filter((entry) => entry.runs.length > 0);
  const peerCells = [{ cell: 'streams', runs: streams }].filter((entry) => entry.runs.length > 0);

  const targets: TargetCheck[] = [
    check(
      'throughput-vs-streams',
      'sustained events/s, Pulse (pulse-direct) ÷ Kafka Streams peer, exactly once (streams)',
      '≥ 1×',
      ratio('pulse-direct ÷ streams (exactly once), sustained events/s'),
      (m) => m >= 1,
      2,
      '×',
      notes([
        `÷ streams-alos (at least once): ${spreadText(ratio('pulse-direct ÷ streams-alos (at least once), sustained events/s'), 2, '×')}`,
        ladderTopNote(direct, 'pulse-direct', 'its rate and the ratio are lower bounds there'),
        ladderTopNote(streams, 'the peer', 'the ratio is an upper bound there'),
        streams.some((run) => run.sustainedRate === 0)
          ? 'the peer sustained no rate in some repetitions: its throughput at saturation stands in'
          : '',
      ]),
    ),
    check(
      'cpu-vs-streams',
      'pipeline CPU per 1,000 events at the highest rate both sustained, Pulse (enrichment + aggregation) ÷ the peer (its JVM), exactly once',
      '≤ 1×',
      ratio('pulse-direct ÷ streams (exactly once), pipeline CPU per 1000 events (same rate)'),
      (m) => m <= 1,
      2,
      '×',
      notes([
        sameRateNote(direct, streams),
        `÷ streams-alos: ${spreadText(ratio('pulse-direct ÷ streams-alos (at least once), pipeline CPU per 1000 events (same rate)'), 2, '×')}`,
      ]),
    ),
    check(
      'end-to-end',
      `sustained events/s end to end, ${endToEndName}`,
      '≥ 15,000/s',
      spreadOf(endToEnd.map((run) => run.sustainedRate)),
      (m) => m >= 15_000,
      0,
      '/s',
      'highest rate of --rates sustained for the full step with flat lag',
    ),
    check(
      'latency-enriched',
      `p99 ingestion → events.enriched at half the sustained rate, ${endToEndName}`,
      '≤ 50 ms',
      spreadOf(endToEnd.map((run) => latencyStep(run)?.ingestToEnriched?.p99)),
      (m) => m <= 50,
      1,
      ' ms',
      '',
    ),
    check(
      'latency-influx',
      `p99 window end → InfluxDB at half the sustained rate, ${endToEndName}`,
      '≤ 1,000 ms',
      spreadOf(endToEnd.map((run) => latencyStep(run)?.windowEndToInflux?.p99)),
      (m) => m <= 1000,
      0,
      ' ms',
      'polled every 200 ms: an upper bound',
    ),
    memoryCheck(
      'rss-peak',
      'peak RSS per service at the highest sustained rate (median)',
      200,
      pulseCells,
      (run, name) => referenceStep(run)?.peakRssMb[name],
      notes([
        perServiceText(peerCells, (run, name) => referenceStep(run)?.peakRssMb[name], 'the peer, not judged'),
      ]),
    ),
    memoryCheck(
      'rss-idle',
      'RSS per service at rest before any traffic (median)',
      120,
      pulseCells,
      (run, name) => run.idleRssMb.beforeTraffic[name],
      notes([
        perServiceText(pulseCells, (run, name) => run.idleRssMb.afterDrain[name], 'after the final drain'),
        perServiceText(
          peerCells,
          (run, name) => run.idleRssMb.beforeTraffic[name],
          'the peer before traffic, not judged',
        ),
        perServiceText(
          peerCells,
          (run, name) => run.idleRssMb.afterDrain[name],
          'the peer after the final drain, not judged',
        ),
      ]),
    ),
    exactCheck([...direct, ...pulse]),
  ];
  return { cells, ratios, targets };
}

const notes = (parts: readonly string[]) => parts.filter(Boolean).join('; ');

function ladderTopNote(runs: readonly PipelineRun[], who: string, meaning: string): string {
  const held = runs.filter(heldLadderTop).length;
  return held === 0
    ? ''
    : `${who} held the ladder's top in ${held} of ${runs.length} repetitions: ${meaning}`;
}

/** The rate the CPU comparison was made at, and both sides' pipeline and broker CPU there (medians). */
function sameRateNote(direct: readonly PipelineRun[], peer: readonly PipelineRun[]): string {
  const pairs = direct.flatMap((run) => {
    const other = peer.find((candidate) => candidate.repetition === run.repetition);
    const common = other === undefined ? undefined : stepsAtCommonRate(run, other);
    return common === undefined ? [] : [common];
  });
  const paired = direct.filter((run) => peer.some((other) => other.repetition === run.repetition)).length;
  if (pairs.length === 0)
    return paired === 0 ? '' : 'no rate was sustained by both in any repetition: nothing to compare';
  const median = (values: (number | undefined)[]) => fmt(spreadOf(values)?.median, 1);
  return notes([
    `at ${median(pairs.map((pair) => pair.rate))}/s (median), ms per 1,000 events, Pulse vs the peer: ` +
      `pipeline ${median(pairs.map((pair) => pair.a.cpuMsPer1000.pipeline))} vs ${median(pairs.map((pair) => pair.b.cpuMsPer1000.pipeline))}, ` +
      `broker ${median(pairs.map((pair) => brokerCpu(pair.a)))} vs ${median(pairs.map((pair) => brokerCpu(pair.b)))}`,
    pairs.length < paired
      ? `no rate sustained by both in ${paired - pairs.length} of ${paired} repetitions: none compared there`
      : '',
  ]);
}

interface CellRuns {
  cell: string;
  runs: readonly PipelineRun[];
}

type ProcessFigure = (run: PipelineRun, name: string) => number | undefined;

/** Median (min–max) per process of each cell, e.g. "pulse-direct: enrichment 110 (…), aggregation 115 (…)". */
function perProcess(
  cells: readonly CellRuns[],
  figure: ProcessFigure,
): { cell: string; name: string; spread: Spread }[] {
  return cells.flatMap(({ cell, runs }) =>
    pipelineProcessNames(runs).flatMap((name) => {
      const spread = spreadOf(runs.map((run) => figure(run, name)));
      return spread === undefined ? [] : [{ cell, name, spread }];
    }),
  );
}

function perProcessText(entries: readonly { cell: string; name: string; spread: Spread }[]): string {
  const byCell = new Map<string, string[]>();
  for (const { cell, name, spread } of entries)
    byCell.set(cell, [...(byCell.get(cell) ?? []), `${name} ${spreadText(spread, 0, ' MB')}`]);
  return [...byCell].map(([cell, list]) => `${cell}: ${list.join(', ')}`).join('; ');
}

function perServiceText(cells: readonly CellRuns[], figure: ProcessFigure, label: string): string {
  const text = perProcessText(perProcess(cells, figure));
  return text === '' ? '' : `${label}: ${text}`;
}

/** Every service of every Pulse cell judged apart, on its median over the repetitions. */
function memoryCheck(
  id: string,
  description: string,
  limitMb: number,
  cells: readonly CellRuns[],
  figure: ProcessFigure,
  note: string,
): TargetCheck {
  const entries = perProcess(cells, figure);
  return {
    id,
    description,
    target: `≤ ${limitMb} MB`,
    measured: entries.length === 0 ? 'n/a' : perProcessText(entries),
    met: entries.length === 0 ? undefined : entries.every((entry) => entry.spread.median <= limitMb),
    note,
  };
}

/** Lost or duplicated events are defects, not spread: judged on every run, not the median. */
function exactCheck(runs: readonly PipelineRun[]): TargetCheck {
  const reconciled = runs.flatMap((run) => (run.reconciliation ? [run.reconciliation] : []));
  const lost = reconciled.reduce((sum, reconciliation) => sum + reconciliation.lost, 0);
  const duplicated = reconciled.reduce((sum, reconciliation) => sum + reconciliation.duplicated, 0);
  return {
    id: 'exact',
    description: 'events lost or counted twice in InfluxDB, every pulse and pulse-direct run',
    target: '0',
    measured:
      reconciled.length === 0
        ? 'n/a'
        : `${fmt(lost)} lost, ${fmt(duplicated)} duplicated in ${reconciled.length} run(s)`,
    met: reconciled.length === 0 ? undefined : lost + duplicated === 0,
    note: reconciled.length < runs.length ? `${runs.length - reconciled.length} run(s) not reconciled` : '',
  };
}

export { spreadText };
