import type { CeilingRun, DrainRun, PipelineRun, Reconciliation, StepResult } from './results';
import { referenceStep, stepsAtCommonRate, summarize } from './summary';

const machine = { busyCores: 1.5, unmeasuredCores: 0.2, loadAverage1m: 2 };

interface StepShape {
  kind?: StepResult['kind'];
  /** Broker CPU ms per 1,000 events of the step. */
  broker?: number;
  /** VmHWM (MB) of each pipeline process at the step's end. */
  peakRss?: Record<string, number>;
}

function step(
  offeredRate: number,
  sustained: boolean,
  pipelineCpu: number,
  shape: StepShape = {},
): StepResult {
  const broker = shape.broker ?? 5;
  return {
    offeredRate,
    kind: shape.kind ?? 'ramp',
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
    processes: [
      { name: 'enrichment', role: 'pipeline', cpuMs: 1, cpuMsPer1000: pipelineCpu },
      { name: 'kafka-broker', role: 'broker', cpuMs: 1, cpuMsPer1000: broker },
    ],
    cpuMsPer1000: { pipeline: pipelineCpu, all: pipelineCpu + broker },
    peakRssMb: shape.peakRss ?? { enrichment: 150 },
    machine,
  };
}

const exact: Reconciliation = {
  expected: { orders: 10, units: 20, views: 30, cartAdds: 5 },
  observed: { orders: 10, units: 20, views: 30, cartAdds: 5 },
  countedLate: { orders: 0, units: 0, views: 0, cartAdds: 0 },
  settledAfterMs: 500,
  lost: 0,
  duplicated: 0,
  drained: true,
  enrichedRecords: 45,
  acceptedEvents: 45,
};

interface RunShape {
  idle?: Record<string, number>;
  afterDrain?: Record<string, number>;
  peakRss?: Record<string, number>;
  reconciliation?: Reconciliation;
}

function pipeline(
  cell: string,
  repetition: number,
  sustainedRate: number,
  steps: StepResult[],
  shape: RunShape = {},
): PipelineRun {
  return {
    kind: 'pipeline',
    cell,
    repetition,
    feed: 'direct',
    steps,
    sustainedRate,
    peakThroughput: Math.max(...steps.map((candidate) => candidate.throughput)),
    peakRssMb: shape.peakRss ?? { enrichment: 150 },
    idleRssMb: {
      beforeTraffic: shape.idle ?? { enrichment: 100 },
      afterDrain: shape.afterDrain ?? { enrichment: 140 },
    },
    meanEnrichedBytes: 660,
    reconciliation: shape.reconciliation ?? exact,
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

const drain = (repetition: number): DrainRun => ({
  kind: 'drain',
  cell: 'enrichment',
  repetition,
  events: 1,
  recordsPerSecond: 40_000,
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
      step(5_000, true, 99, { kind: 'latency' }),
    ]);
    expect(referenceStep(run)?.offeredRate).toBe(10_000);
    const none = pipeline('streams', 1, 0, [step(500, false, 900), step(1_000, false, 800)]);
    expect(referenceStep(none)?.offeredRate).toBe(1_000);
  });
});

describe('stepsAtCommonRate', () => {
  it('pairs the steps at the highest rate both sustained, fallback steps included, latency steps not', () => {
    const pulse = pipeline('pulse-direct', 1, 15_000, [
      step(5_000, true, 60),
      step(10_000, true, 50),
      step(15_000, true, 40),
      step(7_500, true, 70, { kind: 'latency' }),
    ]);
    const peer = pipeline('streams', 1, 10_000, [
      step(5_000, true, 90),
      step(10_000, true, 80),
      step(15_000, false, 75),
      step(15_000, true, 1, { kind: 'latency' }),
    ]);
    const common = stepsAtCommonRate(pulse, peer);
    expect(common?.rate).toBe(10_000);
    expect(common?.a.cpuMsPer1000.pipeline).toBe(50);
    expect(common?.b.cpuMsPer1000.pipeline).toBe(80);

    const slowPeer = pipeline('streams', 1, 4_000, [
      step(5_000, false, 90),
      step(4_000, true, 95, { kind: 'fallback' }),
    ]);
    expect(stepsAtCommonRate(pulse, slowPeer)).toBeUndefined();
    const withFallback = pipeline('pulse-direct', 1, 4_000, [
      step(5_000, false, 60),
      step(4_000, true, 65, { kind: 'fallback' }),
    ]);
    expect(stepsAtCommonRate(withFallback, slowPeer)?.rate).toBe(4_000);
  });
});

describe('summarize: Pulse against the Kafka Streams peer', () => {
  // Pulse sustains 10,000–20,000/s; the exactly-once peer 10,000/s, the at-least-once peer 20,000/s.
  // At 10,000/s (the highest rate both sustain) Pulse's pipeline costs 60 ms per 1,000 events against
  // the peer's 80, although at its own highest rate it costs far less (30): the comparison must be
  // made at the common rate.
  const pulseRun = (repetition: number, rate: number) =>
    pipeline(
      'pulse-direct',
      repetition,
      rate,
      [
        step(5_000, true, 90, { broker: 6 }),
        step(10_000, true, 60, { broker: 4 }),
        ...(rate > 10_000 ? [step(rate, true, 30, { broker: 3 })] : []),
        step(rate + 5_000, false, 28, { peakRss: { enrichment: 400, aggregation: 420 } }),
        step(rate / 2, true, 80, { kind: 'latency' }),
      ].map((candidate) =>
        candidate.offeredRate === rate && candidate.kind === 'ramp'
          ? { ...candidate, peakRssMb: { enrichment: 180 + repetition, aggregation: 190 } }
          : candidate,
      ),
      {
        idle: { enrichment: [100, 130, 110][repetition - 1] as number, aggregation: 115 },
        afterDrain: { enrichment: 260, aggregation: 300 },
        peakRss: { enrichment: 400, aggregation: 420 },
      },
    );
  const runs = [1, 2, 3].flatMap((repetition) => [
    ceiling(repetition),
    pulseRun(repetition, [10_000, 20_000, 15_000][repetition - 1] as number),
    pipeline(
      'streams',
      repetition,
      10_000,
      [
        step(5_000, true, 100, { broker: 20, peakRss: { 'streams-peer': 140 } }),
        step(10_000, true, 80, { broker: 16, peakRss: { 'streams-peer': 150 } }),
        step(15_000, false, 75, { peakRss: { 'streams-peer': 950 } }),
      ],
      {
        idle: { 'streams-peer': 300 },
        afterDrain: { 'streams-peer': 900 },
        peakRss: { 'streams-peer': 950 },
      },
    ),
    pipeline(
      'streams-alos',
      repetition,
      20_000,
      [step(10_000, true, 50), step(20_000, true, 40), step(25_000, false, 38)],
      { idle: { 'streams-peer': 290 } },
    ),
    drain(repetition),
  ]);
  const summary = summarize(runs, 2);
  const target = (id: string) => summary.targets.find((candidate) => candidate.id === id);

  it('judges exactly the targets of the peer comparison, with no ceiling or baseline target', () => {
    expect(summary.targets.map((candidate) => candidate.id)).toEqual([
      'throughput-vs-streams',
      'cpu-vs-streams',
      'end-to-end',
      'latency-enriched',
      'latency-influx',
      'rss-peak',
      'rss-idle',
      'exact',
    ]);
    expect(summary.cells.map((cell) => cell.cell)).toEqual([
      'kafka',
      'pulse-direct',
      'streams',
      'streams-alos',
      'enrichment',
    ]);
    expect(Object.keys(summary.ratios).some((name) => /baseline|consume ceiling/.test(name))).toBe(false);
  });

  it('takes sustained rates as ratios to the peer per repetition, the at-least-once peer beside', () => {
    expect(summary.ratios['pulse-direct ÷ streams (exactly once), sustained events/s']).toEqual({
      median: 1.5,
      min: 1,
      max: 2,
      n: 3,
    });
    expect(summary.ratios['pulse-direct ÷ streams-alos (at least once), sustained events/s']?.median).toBe(
      0.75,
    );
    expect(target('throughput-vs-streams')).toMatchObject({ met: true, measured: '1.5× (1–2, n=3)' });
    expect(target('throughput-vs-streams')?.note).toContain('÷ streams-alos (at least once): 0.75×');
  });

  it('compares CPU per event at the highest rate both sustained, and shows the broker for each side', () => {
    expect(
      summary.ratios['pulse-direct ÷ streams (exactly once), pipeline CPU per 1000 events (same rate)'],
    ).toEqual({ median: 0.75, min: 0.75, max: 0.75, n: 3 });
    expect(
      summary.ratios['pulse-direct ÷ streams (exactly once), broker CPU per 1000 events (same rate)'],
    ).toEqual({ median: 0.25, min: 0.25, max: 0.25, n: 3 });
    // Against the at-least-once peer: 10,000/s in repetitions 1 and 3, 20,000/s (Pulse's top) in 2.
    expect(
      summary.ratios['pulse-direct ÷ streams-alos (at least once), pipeline CPU per 1000 events (same rate)'],
    ).toEqual({ median: 1.2, min: 0.75, max: 1.2, n: 3 });
    expect(target('cpu-vs-streams')?.met).toBe(true);
    expect(target('cpu-vs-streams')?.note).toContain(
      'at 10,000/s (median), ms per 1,000 events, Pulse vs the peer: pipeline 60 vs 80, broker 4 vs 16',
    );
  });

  it('judges peak RSS at the highest sustained rate, not over the unsustained step that followed', () => {
    const peak = target('rss-peak');
    expect(peak?.met).toBe(true);
    expect(peak?.measured).toBe(
      'pulse-direct: enrichment 182 MB (181–183, n=3), aggregation 190 MB (190–190, n=3)',
    );
    expect(peak?.note).toContain('the peer, not judged: streams: streams-peer 150 MB');
    const figures = summary.cells.find((cell) => cell.cell === 'pulse-direct')?.figures;
    expect(figures?.['peak RSS MB at the highest sustained rate, enrichment']?.median).toBe(182);
    expect(figures?.['peak RSS MB over the whole run, enrichment']?.median).toBe(400);
  });

  it('judges idle RSS per service on its median before traffic, with the after-drain figure and the peer beside', () => {
    const idle = target('rss-idle');
    // enrichment 100, 130, 110 MB: the median (110) is judged, not the worst repetition.
    expect(idle).toMatchObject({
      met: true,
      measured: 'pulse-direct: enrichment 110 MB (100–130, n=3), aggregation 115 MB (115–115, n=3)',
    });
    expect(idle?.note).toContain(
      'after the final drain: pulse-direct: enrichment 260 MB (260–260, n=3), aggregation 300 MB',
    );
    expect(idle?.note).toContain('the peer before traffic, not judged: streams: streams-peer 300 MB');
    expect(idle?.note).toContain('the peer after the final drain, not judged: streams: streams-peer 900 MB');
    const peer = summary.cells.find((cell) => cell.cell === 'streams')?.figures;
    expect(peer?.['idle RSS MB before traffic, streams-peer']?.median).toBe(300);
    expect(peer?.['idle RSS MB after the final drain, streams-peer']?.median).toBe(900);
    expect(
      summary.ratios[
        'pulse-direct ÷ streams (exactly once), idle RSS before traffic (pipeline processes summed)'
      ]?.median,
    ).toBeCloseTo((110 + 115) / 300);
  });

  it('falls back to pulse-direct for the end-to-end targets, flagged', () => {
    expect(target('end-to-end')?.description).toMatch(/not end to end/);
    expect(target('end-to-end')).toMatchObject({ met: true, measured: '15,000/s (10,000–20,000, n=3)' });
    expect(target('exact')).toMatchObject({ met: true, measured: '0 lost, 0 duplicated in 3 run(s)' });
  });
});

describe('summarize: verdicts that miss', () => {
  const slower = (repetition: number, shape: RunShape = {}) =>
    pipeline(
      'pulse-direct',
      repetition,
      9_000,
      [step(9_000, true, 100, { peakRss: { enrichment: 210, aggregation: 150 } }), step(12_000, false, 90)],
      { idle: { enrichment: 121, aggregation: 100 }, ...shape },
    );
  const peer = (repetition: number, sustainedRate = 10_000) =>
    pipeline(
      'streams',
      repetition,
      sustainedRate,
      sustainedRate > 0
        ? [step(9_000, true, 80), step(10_000, true, 70), step(12_000, false, 60)]
        : [step(9_000, false, 80)],
    );
  const summary = summarize(
    [
      slower(1),
      peer(1),
      slower(2, { reconciliation: { ...exact, lost: 2 } }),
      peer(2),
      slower(3),
      peer(3, 0),
    ],
    2,
  );
  const target = (id: string) => summary.targets.find((candidate) => candidate.id === id);

  it('misses rate and CPU when Pulse is slower and costlier than the peer', () => {
    // The peer sustained nothing in repetition 3: its throughput at saturation (5,400/s) stands in.
    expect(summary.ratios['pulse-direct ÷ streams (exactly once), sustained events/s']).toEqual({
      median: 0.9,
      min: 0.9,
      max: 9_000 / 5_400,
      n: 3,
    });
    expect(target('throughput-vs-streams')?.met).toBe(false);
    expect(target('throughput-vs-streams')?.note).toContain('its throughput at saturation stands in');
    expect(target('cpu-vs-streams')).toMatchObject({ met: false, measured: '1.25× (1.25–1.25, n=2)' });
    expect(target('cpu-vs-streams')?.note).toContain('no rate sustained by both in 1 of 3 repetitions');
  });

  it('misses memory when any service is over its limit, and any loss fails exactness', () => {
    expect(target('rss-peak')?.met).toBe(false);
    expect(target('rss-idle')?.met).toBe(false);
    expect(target('exact')).toMatchObject({ met: false, measured: '2 lost, 0 duplicated in 3 run(s)' });
  });

  it('leaves the peer targets open when the peer did not run', () => {
    const alone = summarize([slower(1)], 2);
    const of = (id: string) => alone.targets.find((candidate) => candidate.id === id);
    expect(of('throughput-vs-streams')?.met).toBeUndefined();
    expect(of('cpu-vs-streams')).toMatchObject({
      met: undefined,
      measured: 'n/a',
      note: '÷ streams-alos: n/a',
    });
    expect(of('rss-idle')?.met).toBe(false);
  });
});
