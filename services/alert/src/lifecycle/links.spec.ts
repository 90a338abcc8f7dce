import { parseSalesParams, type ReportLimits } from '@pulse/contracts';
import { linksFor } from './links';

describe('linksFor', () => {
  const settings = {
    grafanaUrl: 'https://grafana.test/',
    dashboardPath: '/d/pulse-business/pulse-business',
    reportingUrl: 'https://reporting.test',
  };

  it('points a window alert at the dashboard and the sales report around its window', () => {
    const links = linksFor(settings, {
      kind: 'revenue_spike',
      labels: { category: 'toys', currency: 'USD' },
      window: { start: '2026-11-24T12:00:00.000Z', end: '2026-11-24T12:01:00.000Z' },
      at: '2026-11-24T12:00:30.000Z',
      windowSizeMs: 60_000,
    });
    const dashboard = new URL(links.dashboard!);
    expect(dashboard.pathname).toBe('/d/pulse-business/pulse-business');
    expect(dashboard.searchParams.get('var-category')).toBe('toys');
    expect(Number(dashboard.searchParams.get('from'))).toBe(Date.parse('2026-11-24T11:00:00.000Z'));
    const report = new URL(links.report!);
    expect(report.pathname).toBe('/v1/reports/sales');
    expect(Object.fromEntries(report.searchParams)).toMatchObject({
      groupBy: 'category',
      category: 'toys',
      interval: '1m',
      currency: 'USD',
    });
  });

  describe("the sales report link passes reporting's own parameter parsing", () => {
    // Reporting offers the window sizes aggregation writes (PULSE_WINDOWS); the defaults of both services.
    const limits: ReportLimits = {
      windowsMs: [60_000, 90_000, 300_000, 3_600_000],
      maxRangeMs: 31 * 86_400_000,
      maxWindows: 10_000,
      defaultCurrency: 'USD',
    };
    const at = '2026-11-24T12:00:30.000Z';

    it.each<{ kind: string; labels: Record<string, string>; windowSizeMs?: number }>([
      { kind: 'revenue_spike', labels: { category: 'toys', currency: 'USD' }, windowSizeMs: 60_000 },
      { kind: 'revenue_spike', labels: { region: 'europe', currency: 'EUR' }, windowSizeMs: 300_000 },
      {
        kind: 'order_drop',
        labels: { category: "kid's & baby", region: 'north-america' },
        windowSizeMs: 90_000,
      },
      { kind: 'order_drop', labels: {}, windowSizeMs: 3_600_000 },
      { kind: 'order_drop', labels: {} },
    ])('$kind with $labels every $windowSizeMs ms', ({ kind, labels, windowSizeMs }) => {
      const start = Date.parse('2026-11-24T12:00:00.000Z');
      const size = windowSizeMs ?? 60_000;
      const link = linksFor(settings, {
        kind,
        labels,
        window: { start: new Date(start).toISOString(), end: new Date(start + size).toISOString() },
        at,
        ...(windowSizeMs === undefined ? {} : { windowSizeMs }),
      }).report;
      const query = Object.fromEntries(new URL(link!).searchParams);
      const parsed = parseSalesParams(query, limits);
      expect(parsed.intervalMs).toBe(size);
      expect(parsed.fromMs).toBeLessThanOrEqual(start);
      expect(parsed.toMs).toBeGreaterThanOrEqual(start + size);
      expect(parsed).toMatchObject(labels);
    });
  });

  it('points other alerts at the alert list and leaves out what is not configured', () => {
    const links = linksFor(
      { dashboardPath: '/d/x', reportingUrl: 'https://reporting.test/base/' },
      {
        kind: 'fraud_velocity',
        labels: { customer: 'c-1' },
        window: null,
        at: '2026-11-24T12:00:00.000Z',
      },
    );
    expect(links.dashboard).toBeUndefined();
    expect(links.report).toBe('https://reporting.test/base/v1/alerts?since=2026-11-24T11%3A00%3A00.000Z');
  });
});
