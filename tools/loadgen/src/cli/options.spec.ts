import { parseLoadgenArgs } from './options';

describe('parseLoadgenArgs', () => {
  const NOW = Date.parse('2026-03-01T12:00:00Z');

  it('reads the documented flags', () => {
    const options = parseLoadgenArgs(
      [
        '--scenario',
        'flash-sale,late-duplicates',
        '--rate',
        '250',
        '--duration',
        '90s',
        '--seed',
        '7',
        '--start-time',
        '2026-02-01T10:00:00Z',
        '--target',
        'http://localhost:4001',
        '--api-key',
        'k',
        '--ground-truth',
        'out.json',
        '--batch-size',
        '100',
      ],
      {},
      () => NOW,
    );
    expect(options).toMatchObject({
      scenarios: ['flash-sale', 'late-duplicates'],
      rate: 250,
      durationMs: 90_000,
      seed: 7,
      startTimeMs: Date.parse('2026-02-01T10:00:00Z'),
      target: 'http://localhost:4001',
      apiKey: 'k',
      groundTruthFile: 'out.json',
      batchSize: 100,
      concurrency: 1,
    });
  });

  it('defaults the start time to now, the key to PULSE_LOADGEN_API_KEY, and takes 0 as "until stopped"', () => {
    const options = parseLoadgenArgs(['--duration', '0'], { PULSE_LOADGEN_API_KEY: 'from-env' }, () => NOW);
    expect(options).toMatchObject({
      startTimeMs: NOW,
      apiKey: 'from-env',
      durationMs: 0,
      scenarios: ['steady'],
    });
  });

  it('refuses what it cannot use', () => {
    const quiet = { stderr: jest.spyOn(process.stderr, 'write').mockReturnValue(true) };
    expect(() => parseLoadgenArgs(['--scenario', 'nope'])).toThrow();
    expect(() => parseLoadgenArgs(['--rate', '-1'])).toThrow();
    expect(() => parseLoadgenArgs(['--start-time', '2026-02-01 10:00'])).toThrow();
    expect(() => parseLoadgenArgs(['--duration', 'soon'])).toThrow();
    expect(quiet.stderr).toHaveBeenCalled();
  });
});
