import { stringify } from 'csv-stringify/sync';
import type { FunnelRow, SalesRow, TopProductRow } from './report-rows';

type Cell = string | number | boolean | null | undefined;

function currenciesOf(rows: readonly { revenue: readonly { currency: string }[] }[]): string[] {
  return [...new Set(rows.flatMap((row) => row.revenue.map((entry) => entry.currency)))].sort();
}

/** What a spreadsheet reads as the start of a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell a spreadsheet would run as a formula gets a leading `'`, which makes it text
 * (OWASP's recommendation). Only text cells: numbers are written as numbers, so a negative
 * amount (-12.5) stays a number a spreadsheet can add up. Text from the data (categories,
 * product ids) is never passed through as a formula, even when it looks like one.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function table(columns: string[], rows: Cell[][]): string {
  return stringify(rows, {
    header: true,
    columns: columns.map(neutraliseFormula),
    cast: { boolean: (value) => String(value), string: neutraliseFormula },
  });
}

/** Sales rows flattened: one column group per currency present (revenue is never summed across). */
export function salesCsv(rows: readonly SalesRow[], dimensions: readonly string[]): string {
  const currencies = currenciesOf(rows);
  const columns = [
    'windowStart',
    'windowEnd',
    'final',
    'watermark',
    ...dimensions,
    'orders',
    'units',
    'uniqueCustomers',
    'views',
    'cartAdds',
    'viewToOrderConversion',
    ...currencies.flatMap((c) => [
      `revenue_${c}`,
      `revenueMinor_${c}`,
      `orders_${c}`,
      `averageOrderValue_${c}`,
    ]),
  ];
  return table(
    columns,
    rows.map((row) => {
      const byCurrency = new Map(row.revenue.map((entry) => [entry.currency, entry]));
      return [
        row.windowStart,
        row.windowEnd,
        row.final,
        row.watermark,
        ...dimensions.map((dimension) => (dimension === 'category' ? row.category : row.region)),
        row.orders,
        row.units,
        row.uniqueCustomers,
        row.views,
        row.cartAdds,
        row.viewToOrderConversion,
        ...currencies.flatMap((c) => {
          const entry = byCurrency.get(c);
          return [
            entry?.amount ?? 0,
            entry?.amountMinor ?? 0,
            entry?.orders ?? 0,
            entry?.averageOrderValue ?? null,
          ];
        }),
      ];
    }),
  );
}

export function topProductsCsv(rows: readonly TopProductRow[]): string {
  const currencies = currenciesOf(rows);
  const columns = [
    'rank',
    'productId',
    'category',
    'windowStart',
    'windowEnd',
    'final',
    'watermark',
    'units',
    'orders',
    ...currencies.flatMap((c) => [`revenue_${c}`, `revenueMinor_${c}`]),
  ];
  return table(
    columns,
    rows.map((row) => {
      const byCurrency = new Map(row.revenue.map((entry) => [entry.currency, entry]));
      return [
        row.rank,
        row.productId,
        row.category,
        row.windowStart,
        row.windowEnd,
        row.final,
        row.watermark,
        row.units,
        row.orders,
        ...currencies.flatMap((c) => [byCurrency.get(c)?.amount ?? 0, byCurrency.get(c)?.amountMinor ?? 0]),
      ];
    }),
  );
}

export function funnelCsv(row: FunnelRow): string {
  const columns = [
    'windowStart',
    'windowEnd',
    'final',
    'watermark',
    'category',
    'region',
    'views',
    'cartAdds',
    'orders',
    'viewToCart',
    'cartToOrder',
    'viewToOrder',
  ];
  return table(columns, [columns.map((column) => row[column as keyof FunnelRow] as Cell)]);
}
