import { regionForCountry } from '@pulse/contracts';
import { allowedLatenessMs, regionTable } from './streams-system';

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
});
