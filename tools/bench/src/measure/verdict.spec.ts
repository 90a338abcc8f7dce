import { judgeStep, type LagPoint } from './verdict';

const series = (lagAt: (second: number) => number, seconds = 60): LagPoint[] =>
  Array.from({ length: seconds + 1 }, (_, second) => ({ atSeconds: second, lag: lagAt(second) }));

const base = {
  offeredRate: 10_000,
  planned: 600_000,
  accepted: 600_000,
  inputBehindMs: 50,
  throughput: 9_950,
};

describe('judgeStep', () => {
  it('passes a step whose backlog stays small and flat', () => {
    const verdict = judgeStep({ ...base, lag: series((second) => 800 + (second % 3) * 100) });
    expect(verdict).toMatchObject({ sustained: true, reasons: [] });
    expect(verdict.maxLag).toBe(1000);
  });

  it('ignores a warm-up backlog in the first half', () => {
    expect(judgeStep({ ...base, lag: series((second) => (second < 20 ? 50_000 : 500)) }).sustained).toBe(
      true,
    );
  });

  it('fails a backlog that grows, even while still under the bound', () => {
    const verdict = judgeStep({ ...base, lag: series((second) => Math.max(0, 600 * (second - 30))) });
    expect(verdict.maxLag).toBe(18_000);
    expect(verdict.reasons).toEqual(['backlog grew by 600 events/s']);
  });

  it('fails a backlog above two seconds of input', () => {
    const verdict = judgeStep({ ...base, lag: series(() => 25_000) });
    expect(verdict.reasons).toEqual(['backlog reached 25000 events (bound 20000)']);
  });

  it('fails when the last stage handles less than 90 % of the offered rate', () => {
    const verdict = judgeStep({ ...base, throughput: 8_500, lag: series(() => 500) });
    expect(verdict.reasons).toEqual(['the last stage handled only 8500 events/s']);
  });

  it('fails when the input was refused or could not keep its schedule', () => {
    const verdict = judgeStep({ ...base, accepted: 500_000, inputBehindMs: 5_000, lag: series(() => 0) });
    expect(verdict.sustained).toBe(false);
    expect(verdict.reasons).toHaveLength(2);
  });

  it('cannot pass without lag readings', () => {
    expect(judgeStep({ ...base, lag: [] }).reasons).toContain('too few lag readings to judge');
  });
});
