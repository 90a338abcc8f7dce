import { createHash } from 'node:crypto';
import { ConfigError, loadConfig } from '@pulse/config';
import { schema } from './config';

describe('reporting configuration', () => {
  it('refuses to start without a read token unless auth is disabled', () => {
    expect(() => loadConfig(schema, {})).toThrow(ConfigError);
    expect(() => loadConfig(schema, {})).toThrow(/PULSE_REPORTING_TOKENS_FILE/);
    expect(loadConfig(schema, { PULSE_AUTH_DISABLED: 'true' }).PULSE_REPORTING_TOKENS).toEqual([]);
  });

  it('reads tokens and sorted window sizes', () => {
    const hex = createHash('sha256').update('t').digest('hex');
    const config = loadConfig(schema, {
      PULSE_REPORTING_TOKENS: `grafana:${hex}`,
      PULSE_WINDOWS: '5m,1m,5m',
    });
    expect(config.PULSE_REPORTING_TOKENS.map((token) => token.name)).toEqual(['grafana']);
    expect(config.PULSE_WINDOWS).toEqual([60_000, 300_000]);
    expect(() => loadConfig(schema, { PULSE_AUTH_DISABLED: 'true', PULSE_WINDOWS: '500ms' })).toThrow(
      /at least 1s/,
    );
  });

  it('reads InfluxDB with its own read-only token, and refuses the write token', () => {
    const base = { PULSE_AUTH_DISABLED: 'true' };
    expect(
      loadConfig(schema, { ...base, PULSE_INFLUX_READ_TOKEN: 'reader:pw' }).PULSE_INFLUX_READ_TOKEN,
    ).toBe('reader:pw');
    expect(loadConfig(schema, base).PULSE_INFLUX_READ_TOKEN).toBeUndefined();
    expect(Object.keys(schema)).not.toContain('PULSE_INFLUX_TOKEN');
    for (const variable of ['PULSE_INFLUX_TOKEN', 'PULSE_INFLUX_TOKEN_FILE']) {
      expect(() => loadConfig(schema, { ...base, [variable]: 'writer:pw' })).toThrow(
        new RegExp(
          `${variable} is the write token and this service only reads: give it a read-only token as PULSE_INFLUX_READ_TOKEN`,
        ),
      );
    }
  });
});
