import type { FleetFigures, GroundTruth, ServiceFigures } from '@pulse/fleet';
import { finalReport } from './final-report';

const service = (name: string, overrides: Partial<ServiceFigures>): ServiceFigures => ({
  name,
  up: true,
  processed: {},
  lag: 0,
  deadLettered: 0,
  produced: 0,
  ingestion: {},
  samples: [],
  ...overrides,
});

const figures: FleetFigures = {
  at: 0,
  services: [
    service('enrichment', { deadLettered: 4 }),
    service('aggregation', { processed: { 'events.enriched': 990 } }),
  ],
};

const truth = {
  run: { scenarios: ['flash-sale'], seed: 42 },
  events: { sent: 1_000, accepted: 990, rejected: 10, failed: 0 },
  exact: true,
  inexactReasons: [],
} as unknown as GroundTruth;

describe('finalReport', () => {
  it('lists what was sent and done, and a passed check', () => {
    const lines = finalReport({
      truth,
      figures,
      alertsFired: 3,
      slackMessages: [],
      check: {
        ok: true,
        compared: 120,
        mismatches: [],
        reported: { orders: 100, units: 150, views: 600, cartAdds: 200 },
      },
    });
    expect(lines).toContain('  events sent          1,000   load generator (flash-sale, seed 42)');
    expect(lines).toContain('  rejected                10   refused by ingestion with the reasons');
    expect(lines).toContain('  dead-lettered            4   parked in the dead-letter topic');
    expect(lines.find((line) => line.startsWith('  aggregated'))).toMatch(
      /^ {2}aggregated {13}900 {3}views.*990 enriched/,
    );
    expect(lines).toContain(
      "  check: reporting API totals equal the generator's ground truth (120 figures compared) — OK",
    );
  });

  it('lists the differences when the check fails', () => {
    const lines = finalReport({
      truth: { ...truth, exact: false, inexactReasons: ['stopped early'] },
      figures,
      alertsFired: 0,
      slackMessages: [],
      check: {
        ok: false,
        compared: 12,
        mismatches: ['total 2026-03-01T12:00Z orders: expected 5, reported 4'],
        reported: undefined,
      },
    });
    expect(lines).toContain(
      "  check: reporting API totals differ from the generator's ground truth — FAILED",
    );
    expect(lines).toContain('    total 2026-03-01T12:00Z orders: expected 5, reported 4');
    expect(lines).toContain('  note: the ground truth is a lower bound: stopped early');
  });
});
