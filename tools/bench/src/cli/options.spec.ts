import { CELL_NAMES, parseBenchArgs } from './options';

const NOW = new Date('2026-11-24T15:00:00.000Z');

describe('parseBenchArgs', () => {
  // Commander prints each refusal to stderr before throwing; keep the test output clean.
  beforeEach(() => jest.spyOn(process.stderr, 'write').mockImplementation(() => true));

  it('defaults to every cell, three repetitions, 60 s steps and rising rates', () => {
    const options = parseBenchArgs([], NOW);
    expect(options).toMatchObject({
      cells: [...CELL_NAMES],
      repetitions: 3,
      durationMs: 60_000,
      rates: [5000, 10000, 15000, 20000],
      windowMs: 10_000,
      out: 'bench-results/2026-11-24T15-00-00-000Z.json',
    });
  });

  it('shortens steps and volumes with --quick, and runs each cell once unless told otherwise', () => {
    expect(parseBenchArgs(['--quick'], NOW)).toMatchObject({
      repetitions: 1,
      durationMs: 20_000,
      windowMs: 5_000,
    });
    expect(parseBenchArgs(['--quick', '--repetitions', '3'], NOW).repetitions).toBe(3);
  });

  it('sorts rates and turns the HTTP-fed pulse cell into the direct one with --direct', () => {
    const options = parseBenchArgs(
      ['--cells', 'pulse,streams,pulse-direct', '--rates', '20000,5000', '--direct'],
      NOW,
    );
    expect(options.cells).toEqual(['pulse-direct', 'streams']);
    expect(options.rates).toEqual([5000, 20000]);
  });

  it('collects repeated --service-env pairs for the services', () => {
    const options = parseBenchArgs(
      ['--service-env', 'PULSE_FLUSH_INTERVAL=250ms', '--service-env', 'PULSE_LOG_LEVEL=warn'],
      NOW,
    );
    expect(options.serviceEnv).toEqual({ PULSE_FLUSH_INTERVAL: '250ms', PULSE_LOG_LEVEL: 'warn' });
    expect(() => parseBenchArgs(['--service-env', 'lower=case'], NOW)).toThrow(/NAME=value/);
  });

  it('takes a fixed latency-step rate only when asked', () => {
    expect(parseBenchArgs([], NOW).latencyRate).toBeUndefined();
    expect(parseBenchArgs(['--latency-rate', '8750'], NOW).latencyRate).toBe(8750);
    expect(() => parseBenchArgs(['--latency-rate', '0'], NOW)).toThrow(/greater than 0/);
  });

  it('refuses unknown cells, bad rates and steps shorter than two windows', () => {
    expect(() => parseBenchArgs(['--cells', 'kafka,nope'], NOW)).toThrow(/unknown cell/);
    expect(() => parseBenchArgs(['--cells', 'pulse-direct,baseline'], NOW)).toThrow(/unknown cell/);
    expect(() => parseBenchArgs(['--baseline-rates', '500,1000'], NOW)).toThrow(/unknown option/);
    expect(() => parseBenchArgs(['--rates', '100,-1'], NOW)).toThrow(/positive/);
    expect(() => parseBenchArgs(['--duration', '15s'], NOW)).toThrow(/two windows/);
  });
});
