import { ConfigError, loadConfig } from '@pulse/config';
import { schema } from './config';

describe('aggregation configuration', () => {
  it('defaults: 1m windows, 30s lateness, dedupe horizon = largest window + lateness', () => {
    const config = loadConfig(schema, {});
    expect([config.PULSE_WINDOWS, config.PULSE_ALLOWED_LATENESS, config.PULSE_DEDUPE_HORIZON]).toEqual([
      [60_000],
      30_000,
      90_000,
    ]);
    expect(config.PULSE_CONSUMER_GROUP).toBe('pulse-aggregation');
    // Flushing every 250 ms keeps window end → InfluxDB under a second (docs/performance.md).
    expect(config.PULSE_FLUSH_INTERVAL).toBe(250);
  });

  it('produces uncompressed unless a codec is chosen, and refuses an unknown one', () => {
    expect(loadConfig(schema, {}).PULSE_KAFKA_COMPRESSION).toBe('none');
    expect(loadConfig(schema, { PULSE_KAFKA_COMPRESSION: 'zstd' }).PULSE_KAFKA_COMPRESSION).toBe('zstd');
    expect(() => loadConfig(schema, { PULSE_KAFKA_COMPRESSION: 'lz4' })).toThrow(ConfigError);
  });

  it('derives the horizon from the largest window and refuses a shorter one', () => {
    expect(
      loadConfig(schema, { PULSE_WINDOWS: '1m,1h', PULSE_ALLOWED_LATENESS: '1m' }).PULSE_DEDUPE_HORIZON,
    ).toBe(3_660_000);
    expect(
      loadConfig(schema, { PULSE_WINDOWS: '1m', PULSE_DEDUPE_HORIZON: '10m' }).PULSE_DEDUPE_HORIZON,
    ).toBe(600_000);
    expect(() => loadConfig(schema, { PULSE_WINDOWS: '5m', PULSE_DEDUPE_HORIZON: '1m' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(schema, { PULSE_WINDOWS: '5m', PULSE_DEDUPE_HORIZON: '1m' })).toThrow(
      /at least the largest window plus the allowed lateness/,
    );
  });

  it('writes open windows every second by default, never more often than closing ones', () => {
    const config = loadConfig(schema, {});
    expect([config.PULSE_FLUSH_INTERVAL, config.PULSE_OPEN_WINDOW_FLUSH_INTERVAL]).toEqual([250, 1_000]);
    expect(
      loadConfig(schema, { PULSE_FLUSH_INTERVAL: '500ms', PULSE_OPEN_WINDOW_FLUSH_INTERVAL: '500ms' })
        .PULSE_OPEN_WINDOW_FLUSH_INTERVAL,
    ).toBe(500);
    expect(() => loadConfig(schema, { PULSE_FLUSH_INTERVAL: '2s' })).toThrow(
      /PULSE_OPEN_WINDOW_FLUSH_INTERVAL.*at least PULSE_FLUSH_INTERVAL \(2000 ms\)/,
    );
  });

  it('commits the consumer position at most every second by default', () => {
    expect(loadConfig(schema, {}).PULSE_CONSUMER_COMMIT_INTERVAL).toBe(1_000);
    expect(loadConfig(schema, { PULSE_CONSUMER_COMMIT_INTERVAL: '0s' }).PULSE_CONSUMER_COMMIT_INTERVAL).toBe(
      0,
    );
  });

  it('refuses windows under a second', () => {
    expect(() => loadConfig(schema, { PULSE_WINDOWS: '1m,500ms' })).toThrow(/at least 1s/);
  });
});
