import {
  InvalidReportParameters,
  parseFunnelParams,
  parseSalesParams,
  parseTopProductsParams,
  type ReportLimits,
} from './report-params';

const limits: ReportLimits = {
  windowsMs: [60_000, 300_000],
  maxRangeMs: 31 * 86_400_000,
  maxWindows: 10_000,
  defaultCurrency: 'USD',
};
const range = { from: '2026-11-24T10:00:00Z', to: '2026-11-24T11:00:00Z' };

function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidReportParameters) return error.issues;
    throw error;
  }
  throw new Error('expected InvalidReportParameters');
}

describe('report parameters', () => {
  it('reads a sales query with defaults', () => {
    expect(parseSalesParams(range, limits)).toEqual({
      fromMs: Date.parse(range.from),
      toMs: Date.parse(range.to),
      intervalMs: 60_000,
      groupBy: [],
    });
    expect(
      parseSalesParams(
        {
          ...range,
          interval: '5m',
          groupBy: 'region,category',
          category: 'books',
          region: 'europe',
          currency: 'eur',
        },
        limits,
      ),
    ).toMatchObject({
      intervalMs: 300_000,
      groupBy: ['category', 'region'],
      category: 'books',
      region: 'europe',
      currency: 'EUR',
    });
  });

  it('says which parameter is wrong and why', () => {
    expect(issuesOf(() => parseSalesParams({ to: range.to }, limits))).toEqual([
      { path: 'from', message: expect.stringMatching(/RFC 3339|expected string/) },
    ]);
    expect(issuesOf(() => parseSalesParams({ ...range, interval: '2m' }, limits))).toEqual([
      { path: 'interval', message: 'must be one of 1m, 5m (the window sizes aggregated)' },
    ]);
    expect(issuesOf(() => parseSalesParams({ ...range, groupBy: 'product' }, limits))[0]?.path).toBe(
      'groupBy',
    );
    expect(issuesOf(() => parseSalesParams({ ...range, region: 'mars' }, limits))[0]?.path).toBe('region');
    expect(issuesOf(() => parseSalesParams({ ...range, group_by: 'region' }, limits))[0]?.message).toMatch(
      /Unrecognized key/,
    );
    expect(issuesOf(() => parseSalesParams({ from: range.to, to: range.from }, limits))).toEqual([
      { path: 'to', message: 'must be after from' },
    ]);
    expect(
      issuesOf(() =>
        parseSalesParams(
          { from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z', interval: '5m' },
          limits,
        ),
      ),
    ).toEqual([{ path: 'to', message: 'the range may cover at most 31d' }]);
    expect(
      issuesOf(() => parseSalesParams({ from: '2026-01-01T00:00:00Z', to: '2026-01-10T00:00:00Z' }, limits)),
    ).toEqual([{ path: 'interval', message: expect.stringContaining('12960 windows, more than 10000') }]);
  });

  it('refuses control characters in text filters with a 400 issue, never passing them to a query', () => {
    const message = 'must not contain control characters (such as a newline)';
    for (const category of [
      'books\nOR 1=1',
      'books\n',
      '\rbooks',
      'bo\u0000oks',
      'bo\u007foks',
      'bo\u0085oks',
      'a\tb',
    ]) {
      expect(issuesOf(() => parseSalesParams({ ...range, category }, limits))).toEqual([
        { path: 'category', message },
      ]);
      expect(issuesOf(() => parseFunnelParams({ ...range, category }, limits))).toEqual([
        { path: 'category', message },
      ]);
    }
    // Quotes and backslashes are ordinary characters here: the InfluxQL literal escapes them.
    expect(parseSalesParams({ ...range, category: 'kid\'s \\ "toys"' }, limits).category).toBe(
      'kid\'s \\ "toys"',
    );
  });

  it('refuses a parameter given twice, or as anything but text', () => {
    for (const query of [
      { ...range, category: ['a', 'b'] },
      { ...range, region: ['europe', 'europe'] },
      { ...range, interval: ['1m'] },
      { ...range, from: [range.from] },
      { ...range, currency: { $ne: 'x' } },
    ]) {
      expect(issuesOf(() => parseSalesParams(query, limits)).length).toBeGreaterThan(0);
    }
    expect(issuesOf(() => parseTopProductsParams({ ...range, by: ['units'] }, limits))[0]?.path).toBe('by');
    expect(issuesOf(() => parseTopProductsParams({ ...range, currency: 'US\nD' }, limits))[0]?.path).toBe(
      'currency',
    );
  });

  it('reads top-products and funnel queries', () => {
    expect(parseTopProductsParams(range, limits)).toMatchObject({
      limit: 10,
      by: 'revenue',
      currency: 'USD',
    });
    expect(
      parseTopProductsParams({ ...range, limit: '3', by: 'units', currency: 'jpy' }, limits),
    ).toMatchObject({ limit: 3, by: 'units', currency: 'JPY' });
    expect(issuesOf(() => parseTopProductsParams({ ...range, limit: '0' }, limits))).toEqual([
      { path: 'limit', message: 'must be at least 1' },
    ]);
    expect(issuesOf(() => parseTopProductsParams({ ...range, limit: 'ten' }, limits))[0]?.path).toBe('limit');
    expect(issuesOf(() => parseTopProductsParams({ ...range, by: 'profit' }, limits))).toEqual([
      { path: 'by', message: 'must be revenue or units' },
    ]);
    expect(parseFunnelParams({ ...range, category: ' toys ' }, limits)).toMatchObject({ category: 'toys' });
  });
});
