import { parse } from 'csv-parse/sync';
import { funnelCsv, salesCsv, topProductsCsv } from './csv';
import type { SalesRow } from './report-rows';

const row = (overrides: Partial<SalesRow>): SalesRow => ({
  windowStart: '2026-11-24T10:00:00.000Z',
  windowEnd: '2026-11-24T10:01:00.000Z',
  final: true,
  watermark: '2026-11-24T10:01:05.000Z',
  orders: 3,
  units: 4,
  uniqueCustomers: 2,
  views: 10,
  cartAdds: 5,
  viewToOrderConversion: 0.3,
  revenue: [],
  ...overrides,
});

describe('CSV', () => {
  it('flattens sales rows with one column group per currency present, quoting what needs it', () => {
    const text = salesCsv(
      [
        row({
          category: 'books, "rare"',
          revenue: [
            { currency: 'USD', amount: 19.99, amountMinor: 1999, orders: 1, averageOrderValue: 19.99 },
          ],
        }),
        row({
          category: 'toys',
          final: false,
          revenue: [{ currency: 'JPY', amount: 1500, amountMinor: 1500, orders: 2, averageOrderValue: 750 }],
        }),
      ],
      ['category'],
    );
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0] as object)).toEqual([
      'windowStart',
      'windowEnd',
      'final',
      'watermark',
      'category',
      'orders',
      'units',
      'uniqueCustomers',
      'views',
      'cartAdds',
      'viewToOrderConversion',
      'revenue_JPY',
      'revenueMinor_JPY',
      'orders_JPY',
      'averageOrderValue_JPY',
      'revenue_USD',
      'revenueMinor_USD',
      'orders_USD',
      'averageOrderValue_USD',
    ]);
    expect(records[0]).toMatchObject({
      category: 'books, "rare"',
      final: 'true',
      revenueMinor_USD: '1999',
      revenueMinor_JPY: '0',
    });
    expect(records[1]).toMatchObject({
      category: 'toys',
      final: 'false',
      revenueMinor_JPY: '1500',
      averageOrderValue_JPY: '750',
    });
  });

  it('neutralises text cells a spreadsheet would run as a formula, and keeps negative numbers numbers', () => {
    const dangerous = ['=HYPERLINK("http://x","y")', '+SUM(A1)', '-2+3', '@SUM(A1)', '\tx', '\rx', '=1'];
    const text = salesCsv(
      dangerous.map((category) =>
        row({
          category,
          revenue: [
            { currency: 'USD', amount: -12.5, amountMinor: -1250, orders: 1, averageOrderValue: -12.5 },
          ],
        }),
      ),
      ['category'],
    );
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(records.map((record) => record.category)).toEqual(dangerous.map((category) => `'${category}`));
    for (const record of records) {
      expect(record).toMatchObject({
        revenue_USD: '-12.5',
        revenueMinor_USD: '-1250',
        averageOrderValue_USD: '-12.5',
      });
    }
    // Written bare, so a spreadsheet reads them as numbers, not as text starting with a quote.
    expect(text.split('\n')[1]).toMatch(/,-12\.5,-1250,1,-12\.5$/);
    const top = parse(
      topProductsCsv([
        {
          rank: 1,
          productId: '@cmd',
          category: 'safe',
          windowStart: '2026-11-24T10:00:00.000Z',
          windowEnd: '2026-11-24T11:00:00.000Z',
          final: true,
          watermark: null,
          units: 1,
          orders: 1,
          revenue: [],
        },
      ]),
      { columns: true },
    ) as Record<string, string>[];
    expect(top[0]).toMatchObject({ productId: "'@cmd", category: 'safe' });
    const funnel = parse(
      funnelCsv({
        windowStart: '2026-11-24T10:00:00.000Z',
        windowEnd: '2026-11-24T11:00:00.000Z',
        final: true,
        watermark: null,
        region: 'europe',
        category: '-x',
        views: 1,
        cartAdds: 0,
        orders: 0,
        viewToCart: 0,
        cartToOrder: null,
        viewToOrder: 0,
      }),
      { columns: true },
    ) as Record<string, string>[];
    expect(funnel[0]).toMatchObject({ category: "'-x", region: 'europe' });
  });

  it('writes top products and the funnel', () => {
    const top = parse(
      topProductsCsv([
        {
          rank: 1,
          productId: 'sku-1',
          category: 'books',
          windowStart: '2026-11-24T10:00:00.000Z',
          windowEnd: '2026-11-24T11:00:00.000Z',
          final: false,
          watermark: null,
          units: 7,
          orders: 3,
          revenue: [{ currency: 'EUR', amount: 70, amountMinor: 7000, orders: 3 }],
        },
      ]),
      { columns: true },
    ) as Record<string, string>[];
    expect(top).toEqual([
      expect.objectContaining({
        rank: '1',
        productId: 'sku-1',
        units: '7',
        revenueMinor_EUR: '7000',
        watermark: '',
      }),
    ]);
    const funnel = parse(
      funnelCsv({
        windowStart: '2026-11-24T10:00:00.000Z',
        windowEnd: '2026-11-24T11:00:00.000Z',
        final: true,
        watermark: '2026-11-24T11:00:30.000Z',
        views: 100,
        cartAdds: 20,
        orders: 5,
        viewToCart: 0.2,
        cartToOrder: 0.25,
        viewToOrder: 0.05,
      }),
      { columns: true },
    ) as Record<string, string>[];
    expect(funnel).toEqual([
      expect.objectContaining({
        views: '100',
        cartAdds: '20',
        orders: '5',
        viewToOrder: '0.05',
        category: '',
      }),
    ]);
  });
});
