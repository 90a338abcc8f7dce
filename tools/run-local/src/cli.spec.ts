import { parseRunLocalArgs } from './cli';

describe('parseRunLocalArgs', () => {
  it('runs until Ctrl-C by default, the flash sale at 50 ev/s', () => {
    expect(parseRunLocalArgs([])).toMatchObject({
      durationMs: undefined,
      scenario: 'flash-sale',
      rate: 50,
      seed: 42,
      keepStack: false,
      skipStack: false,
    });
  });

  it('takes a fixed duration and the other flags', () => {
    expect(
      parseRunLocalArgs(['--duration', '90s', '--rate', '20', '--keep-stack', '--seed', '7']),
    ).toMatchObject({
      durationMs: 90_000,
      rate: 20,
      keepStack: true,
      seed: 7,
    });
  });

  it('refuses a duration it cannot read', () => {
    jest.spyOn(process.stderr, 'write').mockReturnValue(true);
    expect(() => parseRunLocalArgs(['--duration', 'a while'])).toThrow();
  });
});
