import { windowLatencies, type WindowObservation } from './window-latency';

const WINDOW = 10_000;
const observation = (at: number, counts: [number, number][]): WindowObservation => ({
  at,
  counts: new Map(counts),
});

describe('windowLatencies', () => {
  it('times each window from its end to the first poll showing its final count', () => {
    const observations = [
      observation(9_000, [[0, 80]]),
      observation(10_200, [
        [0, 99],
        [10_000, 1],
      ]),
      observation(10_400, [
        [0, 100],
        [10_000, 3],
      ]),
      observation(20_700, [
        [0, 100],
        [10_000, 100],
      ]),
    ];
    const finals = new Map([
      [0, 100],
      [10_000, 100],
    ]);
    expect(windowLatencies(observations, finals, 30_000, WINDOW, () => true)).toEqual([
      { windowStart: 0, latencyMs: 400 },
      { windowStart: 10_000, latencyMs: 700 },
    ]);
  });

  it('skips windows that are not eligible or empty, and uses the final read when no poll saw the count', () => {
    const finals = new Map([
      [0, 100],
      [10_000, 0],
      [20_000, 50],
    ]);
    const observations = [
      observation(25_000, [
        [0, 100],
        [20_000, 10],
      ]),
    ];
    expect(windowLatencies(observations, finals, 31_000, WINDOW, (start) => start !== 0)).toEqual([
      { windowStart: 20_000, latencyMs: 1_000 },
    ]);
  });
});
