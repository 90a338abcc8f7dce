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
});
