import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GroundTruth } from '@pulse/fleet';
import { planTraffic, trafficArgs } from './traffic-plan';

describe('planTraffic', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'plan-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const now = Date.parse('2026-03-01T12:00:20Z');

  it("starts at the next window boundary, with aggregation's smallest window and lateness", () => {
    const plan = planTraffic(
      { PULSE_WINDOWS: '5m,1m', PULSE_ALLOWED_LATENESS: '10s' },
      join(dir, 'none.json'),
      now,
    );
    expect(plan).toEqual({
      startTimeMs: Date.parse('2026-03-01T12:01:00Z'),
      windowSizeMs: 60_000,
      allowedLatenessMs: 10_000,
    });
    expect(trafficArgs(plan)).toEqual([
      '--start-time',
      '2026-03-01T12:01:00.000Z',
      '--window',
      '60000ms',
      '--allowed-lateness',
      '10000ms',
    ]);
  });

  it('starts after the windows an earlier run filled, so no window is shared', () => {
    const file = join(dir, 'ground-truth.json');
    writeFileSync(file, JSON.stringify(truthEndingAt('2026-03-01T12:03:00.000Z')));
    expect(planTraffic({}, file, now).startTimeMs).toBe(Date.parse('2026-03-01T12:03:00Z'));
    writeFileSync(file, JSON.stringify(truthEndingAt('2026-03-01T11:58:00.000Z')));
    expect(planTraffic({}, file, now).startTimeMs).toBe(Date.parse('2026-03-01T12:01:00Z'));
  });

  it('ignores a file that is not a ground truth', () => {
    const file = join(dir, 'ground-truth.json');
    writeFileSync(file, JSON.stringify({ range: { to: '2026-03-01T12:09:00.000Z' } }));
    expect(planTraffic({}, file, now).startTimeMs).toBe(Date.parse('2026-03-01T12:01:00Z'));
  });
});

function truthEndingAt(to: string): GroundTruth {
  const tally = { sent: 0, accepted: 0, rejected: 0 };
  return {
    version: 1,
    run: {
      scenarios: ['flash-sale'],
      seed: 42,
      startTime: '2026-03-01T11:50:00.000Z',
      durationMs: 60_000,
      rate: 50,
      target: 'http://127.0.0.1:3001',
      startedAt: '2026-03-01T11:50:00.000Z',
      finishedAt: '2026-03-01T11:51:00.000Z',
    },
    windowSizeMs: 60_000,
    allowedLatenessMs: 30_000,
    exact: true,
    inexactReasons: [],
    requests: { sent: 0, failed: 0, retried: 0 },
    events: { ...tally, failed: 0 },
    malformed: { ...tally, byKind: {}, bypass: { sent: 0, written: 0, ids: [] } },
    duplicates: tally,
    late: tally,
    range: { from: '2026-03-01T11:50:00.000Z', to },
    totals: { orders: 0, units: 0, revenueMinor: {}, views: 0, cartAdds: 0 },
    groupings: { total: [], category: [], region: [], category_region: [] },
    products: [],
    expectations: { orderBursts: [], stockOuts: [] },
  };
}
