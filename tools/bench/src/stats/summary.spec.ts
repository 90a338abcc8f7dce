import { median, percentile, percentileOfSorted, slope, spreadOf } from './summary';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1);

  it('gives observed values only', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.9)).toBe(100);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('does not depend on input order', () => {
    expect(percentile([5, 1, 4, 2, 3], 60)).toBe(3);
  });

  it('takes the maximum as the tail of a small sample', () => {
    expect(percentile([10, 20, 30], 99)).toBe(30);
  });

  it('is NaN for no values and refuses percentiles outside [0, 100]', () => {
    expect(percentileOfSorted([], 50)).toBeNaN();
    expect(() => percentileOfSorted([1], 101)).toThrow(RangeError);
    expect(() => percentileOfSorted([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle pair of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('spreadOf', () => {
  it('summarises the finite values and counts them', () => {
    expect(spreadOf([30, 10, undefined, 20, Number.NaN])).toEqual({ median: 20, min: 10, max: 30, n: 3 });
  });

  it('is undefined when no repetition produced the figure', () => {
    expect(spreadOf([undefined, Number.NaN])).toBeUndefined();
  });
});

describe('slope', () => {
  it('fits a straight line', () => {
    expect(slope([0, 1, 2, 3].map((x) => ({ x, y: 5 + 2 * x })))).toBeCloseTo(2);
  });

  it('is 0 for a flat series, a single point or no spread in x', () => {
    expect(slope([0, 1, 2].map((x) => ({ x, y: 7 })))).toBe(0);
    expect(slope([{ x: 1, y: 1 }])).toBe(0);
    expect(
      slope([
        { x: 1, y: 1 },
        { x: 1, y: 3 },
      ]),
    ).toBe(0);
  });
});
