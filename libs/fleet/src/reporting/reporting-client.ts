import { windowLabel } from '@pulse/contracts';
import { z } from 'zod';
import type { GroundTruthCell } from '../ground-truth/ground-truth';

export interface ReportingQuery {
  from: string;
  to: string;
  intervalMs: number;
  /** undefined = totals only; else `category`, `region` or `category,region`. */
  groupBy: string | undefined;
}

/** The part of reporting's `GET /v1/reports/sales` answer the ground truth is compared with. */
const salesRow = z.looseObject({
  windowStart: z.string(),
  category: z.string().optional(),
  region: z.string().optional(),
  orders: z.number().int(),
  units: z.number().int(),
  uniqueCustomers: z.number().int(),
  views: z.number().int(),
  cartAdds: z.number().int(),
  revenue: z.array(z.looseObject({ currency: z.string(), amountMinor: z.number().int() })),
  final: z.boolean(),
});
const salesAnswer = z.looseObject({ rows: z.array(salesRow) });

/** A window size as reporting names its intervals (60000 → `1m`): the contract's window label. */
export const intervalLabel = windowLabel;

/** A row of reporting's answer: its figures, and whether reporting says its window is final. */
export type ReportedCell = GroundTruthCell & { final: boolean };

/** `GET /v1/reports/sales` as cells comparable with the ground truth. */
export async function fetchSalesCells(
  baseUrl: string,
  token: string,
  query: ReportingQuery,
): Promise<ReportedCell[]> {
  const url = new URL('/v1/reports/sales', baseUrl);
  url.searchParams.set('from', query.from);
  url.searchParams.set('to', query.to);
  url.searchParams.set('interval', intervalLabel(query.intervalMs));
  url.searchParams.set('groupBy', query.groupBy ?? 'total');
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `GET ${url.pathname}${url.search} answered HTTP ${response.status}: ${text.slice(0, 300)}`,
    );
  }
  return salesAnswer.parse(JSON.parse(text)).rows.map((row) => ({
    windowStart: new Date(row.windowStart).toISOString(),
    category: row.category ?? null,
    region: row.region ?? null,
    orders: row.orders,
    units: row.units,
    revenueMinor: Object.fromEntries(row.revenue.map((entry) => [entry.currency, entry.amountMinor])),
    uniqueCustomers: row.uniqueCustomers,
    views: row.views,
    cartAdds: row.cartAdds,
    final: row.final,
  }));
}
