import { windowLabel } from './window-label';

describe('windowLabel', () => {
  it('names a window size by its largest exact unit', () => {
    expect([60_000, 300_000, 3_600_000, 86_400_000, 90_000, 1_000, 1_500].map(windowLabel)).toEqual([
      '1m',
      '5m',
      '1h',
      '1d',
      '90s',
      '1s',
      '1500ms',
    ]);
  });
});
