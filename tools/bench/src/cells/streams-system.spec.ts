import { regionForCountry } from '@pulse/contracts';
import { allowedLatenessMs, pulseDurationMs, regionTable } from './streams-system';

describe('the Kafka Streams peer set-up', () => {
  it("hands the peer Pulse's own country → region mapping", () => {
    const table = regionTable();
    expect(table.DE).toBe('europe');
    expect(table.JP).toBe('asia');
    expect(Object.keys(table).length).toBeGreaterThan(200);
    for (const [country, region] of Object.entries(table)) expect(region).toBe(regionForCountry(country));
  });

  it("gives the peer aggregation's allowed lateness: the run's setting, else the documented default", () => {
    expect(allowedLatenessMs(process.cwd(), { PULSE_ALLOWED_LATENESS: '5s' })).toBe(5_000);
    expect(allowedLatenessMs(process.cwd(), {})).toBe(30_000);
  });

  it("writes windows on aggregation's flush schedule: the run's settings, else the documented defaults", () => {
    expect(pulseDurationMs(process.cwd(), {}, 'PULSE_FLUSH_INTERVAL')).toBe(250);
    expect(pulseDurationMs(process.cwd(), {}, 'PULSE_OPEN_WINDOW_FLUSH_INTERVAL')).toBe(1_000);
    expect(
      pulseDurationMs(
        process.cwd(),
        { PULSE_OPEN_WINDOW_FLUSH_INTERVAL: '2s' },
        'PULSE_OPEN_WINDOW_FLUSH_INTERVAL',
      ),
    ).toBe(2_000);
    expect(() => pulseDurationMs(process.cwd(), {}, 'PULSE_NO_SUCH_SETTING')).toThrow(/no default/);
  });
});
