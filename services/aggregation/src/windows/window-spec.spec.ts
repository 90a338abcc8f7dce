import { formatDuration, windowSpecs, windowStartOf } from './window-spec';

describe('window specs', () => {
  it('labels durations with their shortest exact unit', () => {
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_500)).toBe('1500ms');
  });

  it('aligns windows to the epoch, also before 1970', () => {
    expect(windowStartOf(Date.parse('2026-01-01T00:01:59.999Z'), 60_000)).toBe(
      Date.parse('2026-01-01T00:01:00Z'),
    );
    expect(windowStartOf(Date.parse('2026-01-01T00:02:00Z'), 60_000)).toBe(
      Date.parse('2026-01-01T00:02:00Z'),
    );
    expect(windowStartOf(-1, 60_000)).toBe(-60_000);
  });

  it('sorts and de-duplicates sizes', () => {
    expect(windowSpecs([300_000, 60_000, 60_000])).toEqual([
      { sizeMs: 60_000, label: '1m' },
      { sizeMs: 300_000, label: '5m' },
    ]);
  });
});
