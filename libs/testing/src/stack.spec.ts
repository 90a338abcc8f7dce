import type * as StackModule from './stack';
import { uniqueName, waitFor } from './stack';

describe('uniqueName', () => {
  it('is made of lower-case letters, digits and underscores only, starting with the label', () => {
    const name = uniqueName('Kafka Runner.v2!');
    expect(name).toMatch(/^t_kafka_runner_v2__[a-z0-9]+_[0-9a-f]{6}$/);
    expect(name).toMatch(/^[a-z0-9_]+$/);
  });

  it('never repeats', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('same')));
    expect(names.size).toBe(200);
  });
});

describe('waitFor', () => {
  it('returns the first value the probe gives that is neither undefined nor false', async () => {
    let calls = 0;
    const value = await waitFor('the third call', () => (++calls >= 3 ? { calls } : undefined), {
      intervalMs: 1,
    });
    expect(value).toEqual({ calls: 3 });
  });

  it('accepts falsy values other than false and undefined', async () => {
    await expect(waitFor('zero', () => 0, { intervalMs: 1 })).resolves.toBe(0);
    await expect(waitFor('empty string', async () => '', { intervalMs: 1 })).resolves.toBe('');
  });

  it('keeps polling through errors', async () => {
    let calls = 0;
    const value = await waitFor(
      'a probe that throws twice',
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('done');
  });

  it('fails naming what it waited for and the last error', async () => {
    await expect(
      waitFor(
        'the broker',
        () => {
          throw new Error('ECONNREFUSED');
        },
        { timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow('timed out after 30 ms waiting for the broker: last error ECONNREFUSED');
    await expect(waitFor('nothing', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      /^timed out after 20 ms waiting for nothing$/,
    );
  });
});

describe('stack', () => {
  const VARIABLES = [
    'PULSE_KAFKA_BROKERS',
    'PULSE_INFLUX_URL',
    'PULSE_NATS_URL',
    'PULSE_INFLUXDB18_URL',
    'PULSE_INFLUXDB18_PORT',
  ] as const;

  /** Loads a fresh copy of the module with exactly these stack variables set. */
  function loadStack(
    env: Partial<Record<(typeof VARIABLES)[number], string>>,
  ): (typeof StackModule)['stack'] {
    const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
    for (const name of VARIABLES) {
      if (env[name] === undefined) delete process.env[name];
      else process.env[name] = env[name];
    }
    try {
      let loaded: (typeof StackModule)['stack'] | undefined;
      jest.isolateModules(() => {
        loaded = jest.requireActual<typeof StackModule>('./stack').stack;
      });
      return loaded!;
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  it('points at the local stack by default', () => {
    expect(loadStack({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      influxUrl: 'http://127.0.0.1:8086',
      natsUrl: 'nats://127.0.0.1:4222',
      influxV2ApiUrl: 'http://127.0.0.1:8186',
    });
  });

  it('finds the v2-API InfluxDB on the port its script was told, or at an external URL', () => {
    expect(loadStack({ PULSE_INFLUXDB18_PORT: '9186' }).influxV2ApiUrl).toBe('http://127.0.0.1:9186');
    expect(loadStack({ PULSE_INFLUXDB18_URL: 'http://influx18:8086' }).influxV2ApiUrl).toBe(
      'http://influx18:8086',
    );
  });

  it('takes an external stack from the environment, brokers comma-separated', () => {
    expect(
      loadStack({
        PULSE_KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092',
        PULSE_INFLUX_URL: 'http://influx:8086',
        PULSE_NATS_URL: 'nats://nats:4222',
      }),
    ).toMatchObject({
      kafkaBrokers: ['kafka-0:9092', 'kafka-1:9092'],
      influxUrl: 'http://influx:8086',
      natsUrl: 'nats://nats:4222',
    });
  });
});
