import { warmUpRate } from './pipeline-cell';

describe('warmUpRate', () => {
  it('is half the first rate of the ladder', () => {
    expect(warmUpRate([10_000, 15_000, 20_000])).toBe(5_000);
    expect(warmUpRate([2_001])).toBe(1_001);
  });

  it('never falls below 50 events/s', () => {
    expect(warmUpRate([60])).toBe(50);
    expect(warmUpRate([])).toBe(50);
  });
});
