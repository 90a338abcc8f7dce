import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  atLeastVariable,
  describeConfig,
  env,
  loadConfig,
  parseDuration,
  refinedVariable,
  serviceSchema,
} from './index';

describe('loadConfig', () => {
  const schema = {
    PULSE_HTTP_PORT: env.port('HTTP port', 3001),
    PULSE_WINDOWS: env.durationList('window sizes', '1m'),
    PULSE_INFLUX_API: env.oneOf('write API', ['v1', 'v2'] as const, 'v1'),
    PULSE_SECRET_TOKEN: env.string('a token', { secret: true }),
  };

  it('applies defaults and parses typed values', () => {
    const config = loadConfig(schema, { PULSE_WINDOWS: '1m, 5m,1h', PULSE_SECRET_TOKEN: 't' });
    expect(config).toEqual({
      PULSE_HTTP_PORT: 3001,
      PULSE_WINDOWS: [60_000, 300_000, 3_600_000],
      PULSE_INFLUX_API: 'v1',
      PULSE_SECRET_TOKEN: 't',
    });
  });

  it('names the variable and what is expected when a value is bad', () => {
    expect(() => loadConfig(schema, { PULSE_HTTP_PORT: 'abc', PULSE_SECRET_TOKEN: 't' })).toThrow(
      'Invalid configuration: PULSE_HTTP_PORT must be an integer between 1 and 65535 (got "abc")',
    );
    expect(() => loadConfig(schema, { PULSE_HTTP_PORT: '70000', PULSE_SECRET_TOKEN: 't' })).toThrow(
      /PULSE_HTTP_PORT must be an integer between 1 and 65535/,
    );
    expect(() => loadConfig(schema, { PULSE_INFLUX_API: 'v3', PULSE_SECRET_TOKEN: 't' })).toThrow(
      'Invalid configuration: PULSE_INFLUX_API must be one of v1, v2 (got "v3")',
    );
    expect(() => loadConfig(schema, { PULSE_WINDOWS: '1 minute', PULSE_SECRET_TOKEN: 't' })).toThrow(
      /PULSE_WINDOWS must be a comma-separated list of durations/,
    );
  });

  it('says when a required variable is missing', () => {
    let caught: unknown;
    try {
      loadConfig(schema, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe('PULSE_SECRET_TOKEN');
    expect((caught as ConfigError).message).toBe(
      'Invalid configuration: PULSE_SECRET_TOKEN is required: a token (it is not set)',
    );
  });

  it('reads a secret from <NAME>_FILE and never echoes a secret value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-config-'));
    const file = join(dir, 'token');
    writeFileSync(file, 's3cret\n');
    expect(loadConfig(schema, { PULSE_SECRET_TOKEN_FILE: file }).PULSE_SECRET_TOKEN).toBe('s3cret');
    expect(() => loadConfig(schema, { PULSE_SECRET_TOKEN_FILE: join(dir, 'missing') })).toThrow(
      /PULSE_SECRET_TOKEN_FILE must name a readable file/,
    );
    const secretInt = { PULSE_API_TOKEN: env.int('n', { min: 1 }) };
    expect(() => loadConfig(secretInt, { PULSE_API_TOKEN: 'hunter2' })).toThrow('(got "<redacted>")');
  });

  it('provides the shared service variables', () => {
    const config = loadConfig(serviceSchema(3005), { PULSE_LOG_LEVEL: 'DEBUG' });
    expect(config.PULSE_HTTP_PORT).toBe(3005);
    expect(config.PULSE_LOG_LEVEL).toBe('debug');
    expect(config.PULSE_SHUTDOWN_TIMEOUT).toBe(25_000);
  });
});

describe('atLeastVariable', () => {
  const schema = {
    SMALL: env.duration('the floor', '250ms'),
    LARGE: atLeastVariable(env.duration('at least SMALL', '1s'), {
      name: 'SMALL',
      variable: env.duration('the floor', '250ms'),
      unit: 'ms',
      why: 'or it would be pointless',
    }),
  };

  it('accepts a value at or above the other variable, defaults included', () => {
    expect(loadConfig(schema, {}).LARGE).toBe(1_000);
    expect(loadConfig(schema, { SMALL: '2s', LARGE: '2s' }).LARGE).toBe(2_000);
  });

  it('refuses a value below it, naming both variables and the reason', () => {
    expect(() => loadConfig(schema, { SMALL: '2s' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { SMALL: '2s' })).toThrow(
      /LARGE must be at least SMALL \(2000 ms\), or it would be pointless/,
    );
  });

  it('keeps the description and documented default of the value it wraps', () => {
    expect(schema.LARGE).toMatchObject({ description: 'at least SMALL', defaultText: '1s', secret: false });
  });
});

describe('refinedVariable', () => {
  const schema = {
    WINDOWS: refinedVariable(env.durationList('window sizes', '1m'), (sizes, name, source) => {
      if (sizes.some((size) => size < 1_000))
        throw new ConfigError(name, 'every window must be at least 1s', source[name]);
      return [...sizes].sort((a, b) => a - b);
    }),
    SECRET: refinedVariable(env.optionalString('a token', { secret: true }), (value) => value?.length),
  };

  it('applies the refinement to the parsed value, the default included', () => {
    expect(loadConfig(schema, {}).WINDOWS).toEqual([60_000]);
    expect(loadConfig(schema, { WINDOWS: '1h,5m' }).WINDOWS).toEqual([300_000, 3_600_000]);
    expect(loadConfig(schema, { SECRET: 'abc' }).SECRET).toBe(3);
  });

  it('refuses what the refinement refuses, naming the variable', () => {
    expect(() => loadConfig(schema, { WINDOWS: '1m,500ms' })).toThrow(
      'Invalid configuration: WINDOWS every window must be at least 1s (got "1m,500ms")',
    );
  });

  it('keeps the description, secrecy and documented default for the generated docs', () => {
    expect(describeConfig(schema)).toEqual([
      { name: 'WINDOWS', description: 'window sizes', secret: false, defaultText: '1m' },
      { name: 'SECRET', description: 'a token', secret: true, defaultText: undefined },
    ]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s is %d ms', (raw, ms) => expect(parseDuration(raw)).toBe(ms));

  it('rejects a number without a unit', () => expect(() => parseDuration('30')).toThrow(/duration/));
});

describe('describeConfig', () => {
  it('lists each variable with its description, secrecy and default as written', () => {
    const schema = {
      PULSE_WINDOWS: env.durationList('window sizes', '1m,5m'),
      PULSE_ALLOWED_LATENESS: env.duration('allowed lateness', '30s'),
      PULSE_KAFKA_BROKERS: env.list('brokers', ['127.0.0.1:9092']),
      PULSE_TOKEN: env.optionalString('a token', { secret: true }),
      PULSE_PORT: env.port('port', 3001),
    };
    expect(describeConfig(schema)).toEqual([
      { name: 'PULSE_WINDOWS', description: 'window sizes', secret: false, defaultText: '1m,5m' },
      { name: 'PULSE_ALLOWED_LATENESS', description: 'allowed lateness', secret: false, defaultText: '30s' },
      { name: 'PULSE_KAFKA_BROKERS', description: 'brokers', secret: false, defaultText: '127.0.0.1:9092' },
      { name: 'PULSE_TOKEN', description: 'a token', secret: true, defaultText: undefined },
      { name: 'PULSE_PORT', description: 'port', secret: false, defaultText: '3001' },
    ]);
  });
});
