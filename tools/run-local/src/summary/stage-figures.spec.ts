import type { FleetFigures, ServiceFigures } from '@pulse/fleet';
import { alertsFired, handledBy, stageLines } from './stage-figures';

function service(name: string, overrides: Partial<ServiceFigures> = {}): ServiceFigures {
  return {
    name,
    up: true,
    processed: {},
    lag: 0,
    deadLettered: 0,
    produced: 0,
    ingestion: {},
    samples: [],
    ...overrides,
  };
}

describe('stage figures', () => {
  it('counts what ingestion acknowledged, what each consumer processed of its stage input, and API requests', () => {
    expect(handledBy(service('ingestion', { ingestion: { accepted: 90, rejected: 10 } }))).toBe(90);
    expect(
      handledBy(service('enrichment', { processed: { 'events.raw': 80, 'reference.products': 300 } })),
    ).toBe(80);
    expect(handledBy(service('alert', { processed: { 'events.enriched': 5, 'metrics.windowed': 7 } }))).toBe(
      5,
    );
    const requests = [
      {
        name: 'pulse_http_requests_total',
        labels: { route: '/v1/reports/sales', status_code: '200' },
        value: 3,
      },
      { name: 'pulse_http_requests_total', labels: { route: '/metrics', status_code: '200' }, value: 40 },
    ];
    expect(handledBy(service('reporting', { samples: requests }))).toBe(3);
  });

  it('turns two readings into events per second', () => {
    const before: FleetFigures = {
      at: 1_000,
      services: [service('enrichment', { processed: { 'events.raw': 100 } })],
    };
    const after: FleetFigures = {
      at: 3_000,
      services: [service('enrichment', { processed: { 'events.raw': 400 }, lag: 12, deadLettered: 2 })],
    };
    expect(stageLines(before, after)).toEqual([
      { name: 'enrichment', up: true, perSecond: 150, total: 400, lag: 12, deadLettered: 2 },
    ]);
    expect(stageLines(undefined, after)[0]?.perSecond).toBe(0);
  });

  it("counts fired alerts from the alert service's transitions, else falls back", () => {
    const samples = [
      { name: 'pulse_alert_transitions_total', labels: { rule: 'fraud', state: 'firing' }, value: 2 },
      { name: 'pulse_alert_transitions_total', labels: { rule: 'stock', state: 'firing' }, value: 1 },
      { name: 'pulse_alert_transitions_total', labels: { rule: 'stock', state: 'resolved' }, value: 1 },
    ];
    expect(alertsFired({ at: 0, services: [service('alert', { samples })] }, 99)).toBe(3);
    expect(alertsFired({ at: 0, services: [service('alert')] }, 99)).toBe(99);
  });
});
