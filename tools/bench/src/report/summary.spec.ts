import type { CeilingRun, DrainRun, PipelineRun, StepResult } from './results';
import { referenceStep, summarize } from './summary';

const machine = { busyCores: 1.5, unmeasuredCores: 0.2, loadAverage1m: 2 };

function step(
  offeredRate: number,
  sustained: boolean,
  pipelineCpu: number,
  kind: StepResult['kind'] = 'ramp',
): StepResult {
  return {
    offeredRate,
    kind,
    durationMs: 60_000,
    planned: offeredRate * 60,
    accepted: offeredRate * 60,
    throughput: sustained ? offeredRate : offeredRate * 0.6,
    sustained,
    reasons: [],
    maxLag: 0,
    lagGrowthPerSecond: 0,
    ingestToEnriched: { count: 1000, p50: 5, p95: 12, p99: 20, p999: 40, max: 50 },
    windowEndToInflux: { count: 6, p50: 600, p95: 900, p99: 900, p999: 900, max: 900 },
    processes: [{ name: 'enrichment', role: 'pipeline', cpuMs: 1, cpuMsPer1000: pipelineCpu }],
    cpuMsPer1000: { pipeline: pipelineCpu, all: pipelineCpu * 2 },
    machine,
  };
}

function pipeline(
  cell: string,
  repetition: number,
  sustainedRate: number,
  steps: StepResult[],
  rss = 120,
): PipelineRun {
  return {
    kind: 'pipeline',
    cell,
    repetition,
    feed: 'direct',
    steps,
    sustainedRate,
    peakThroughput: Math.max(...steps.map((candidate) => candidate.throughput)),
    peakRssMb: { enrichment: rss },
    meanEnrichedBytes: 660,
    notes: [],
  };
}

const ceiling = (repetition: number): CeilingRun => ({
  kind: 'ceiling',
  cell: 'kafka',
  repetition,
  records: 1,
  recordBytes: 660,
  produce: { recordsPerSecond: 40_000, mbPerSecond: 25, p99LatencyMs: 100 },
  consume: { recordsPerSecond: 80_000, mbPerSecond: 50, fetchRecordsPerSecond: 100_000 },
  cpuMsPer1000: { producerTool: 1, consumerTool: 1, brokerWhileProducing: 1, brokerWhileConsuming: 1 },
  machine: { producing: machine, consuming: machine },
  notes: [],
});

const drain = (repetition: number, recordsPerSecond: number): DrainRun => ({
  kind: 'drain',
  cell: 'enrichment',
  repetition,
  events: 1,
  recordsPerSecond,
  cpuMsPer1000: 50,
  peakRssMb: 100,
  machine,
  notes: [],
});

describe('referenceStep', () => {
  it('is the highest sustained step, else the busiest one, never the latency step', () => {
    const run = pipeline('pulse-direct', 1, 10_000, [
      step(5_000, true, 60),
      step(10_000, true, 50),
      step(15_000, false, 40),
      step(5_000, true, 99, 'latency'),
    ]);
    expect(referenceStep(run)?.offeredRate).toBe(10_000);
    const none = pipeline('baseline', 1, 0, [step(500, false, 900), step(1_000, false, 800)]);
    expect(referenceStep(none)?.offeredRate).toBe(1_000);
  });
});

describe('summarize', () => {
  const runs = [1, 2, 3].flatMap((repetition) => [
    ceiling(repetition),
    pipeline('baseline', repetition, 1_000, [step(1_000, true, 900), step(2_000, false, 850)]),
    pipeline(
      'pulse-direct',
      repetition,
      10_000 + repetition * 1_000,
      [step(5_000, true, 120), step(10_000 + repetition * 1_000, true, 100)],
      100 + repetition * 20,
    ),
    drain(repetition, 30_000 + repetition * 1_000),
  ]);
  const summary = summarize(runs, 2);
  const target = (id: string) => summary.targets.find((candidate) => candidate.id === id);

  it('takes medians over repetitions with their spread', () => {
    const direct = summary.cells.find((cell) => cell.cell === 'pulse-direct');
    expect(direct?.figures['sustained events/s']).toEqual({ median: 12_000, min: 11_000, max: 13_000, n: 3 });
    expect(direct?.figures['CPU-bound limit events/s (cores ÷ CPU per event, pipeline only)']?.median).toBe(
      20_000,
    );
  });

  it('leaves the textbook-baseline verdicts open when that cell did not run', () => {
    expect(target('throughput-vs-textbook-baseline')?.met).toBeUndefined();
    expect(target('cpu-vs-textbook-baseline')?.measured).toBe('n/a');
  });

  it('computes ratios per repetition and judges the targets on their medians', () => {
    expect(summary.ratios['pulse-direct ÷ baseline, sustained events/s']).toEqual({
      median: 12,
      min: 11,
      max: 13,
      n: 3,
    });
    expect(target('throughput-vs-baseline')?.met).toBe(true);
    expect(target('cpu-vs-baseline')?.met).toBe(true);
    expect(target('end-to-end')?.met).toBe(false);
    expect(target('enrichment-vs-ceiling')?.measured).toMatch(/^0\.32/);
    expect(target('enrichment-vs-ceiling')?.met).toBe(true);
    expect(target('latency-enriched')?.met).toBeUndefined();
  });

  it('judges memory by the worst repetition', () => {
    expect(target('rss')).toMatchObject({ met: false, measured: 'enrichment 160 MB' });
  });
});

describe('summarize with the baseline on the published kafkajs', () => {
  // The patched baseline is 3× the stock one, so the two verdicts differ: each target must read its own cell.
  const runs = [1, 2, 3].flatMap((repetition) => [
    pipeline('baseline', repetition, 3_000, [step(3_000, true, 120), step(4_000, false, 110)]),
    pipeline('baseline-stock', repetition, 1_000, [step(1_000, true, 400), step(2_000, false, 380)]),
    pipeline('pulse-direct', repetition, 12_000, [step(12_000, true, 40)]),
  ]);
  const summary = summarize(runs, 2);
  const target = (id: string) => summary.targets.find((candidate) => candidate.id === id);

  it('reports its own figures and the ratios against it beside those against the patched baseline', () => {
    expect(summary.cells.map((cell) => cell.cell)).toEqual(['baseline', 'baseline-stock', 'pulse-direct']);
    expect(summary.ratios['pulse-direct ÷ baseline-stock, sustained events/s']?.median).toBe(12);
    expect(summary.ratios['baseline-stock ÷ pulse-direct, pipeline CPU per 1000 events']?.median).toBe(10);
    expect(summary.ratios['baseline ÷ baseline-stock, sustained events/s']?.median).toBe(3);
    expect(summary.ratios['baseline-stock ÷ baseline, pipeline CPU per 1000 events']?.median).toBeCloseTo(
      400 / 120,
    );
  });

  it('judges the ratio targets against each baseline apart', () => {
    expect(summary.ratios['pulse-direct ÷ baseline, sustained events/s']?.median).toBe(4);
    expect(target('throughput-vs-baseline')?.met).toBe(false);
    expect(target('cpu-vs-baseline')?.met).toBe(false);
    expect(target('throughput-vs-textbook-baseline')).toMatchObject({
      met: true,
      measured: '12× (12–12, n=3)',
    });
    expect(target('cpu-vs-textbook-baseline')?.met).toBe(true);
  });
});
