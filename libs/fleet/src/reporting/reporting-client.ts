import { z } from 'zod';
import type { GroundTruthCell } from '../ground-truth/ground-truth';

export interface ReportingQuery {
  from: string;
  to: string;
  intervalMs: number;
  /** undefined = totals only; else `category`, `region` or `category,region`. */
  groupBy: string | undefined;
}

// PROVISIONAL: the shape of services/reporting's sales answer, to be aligned when it lands.
const salesRow = z.looseObject({
  windowStart: z.string(),
  category: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
  orders: z.number(),
  units: z.number(),
  revenueMinor: z.record(z.string(), z.number()),
  uniqueCustomers: z.number(),
  views: z.number(),
  cartAdds: z.number(),
});
const salesAnswer = z.looseObject({ series: z.array(salesRow) });

/** `GET /v1/reports/sales` as cells comparable with the ground truth. */
export async function fetchSalesCells(
  baseUrl: string,
  token: string,
  query: ReportingQuery,
): Promise<GroundTruthCell[]> {
  const url = new URL('/v1/reports/sales', baseUrl);
  url.searchParams.set('from', query.from);
  url.searchParams.set('to', query.to);
  url.searchParams.set('interval', `${query.intervalMs / 1000}s`);
  if (query.groupBy !== undefined) url.searchParams.set('groupBy', query.groupBy);
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(
      `GET ${url.pathname}${url.search} answered HTTP ${response.status}: ${text.slice(0, 300)}`,
    );
  const parsed = salesAnswer.parse(JSON.parse(text));
  return parsed.series.map((row) => ({
    windowStart: new Date(row.windowStart).toISOString(),
    category: row.category ?? null,
    region: row.region ?? null,
    orders: row.orders,
    units: row.units,
    revenueMinor: row.revenueMinor,
    uniqueCustomers: row.uniqueCustomers,
    views: row.views,
    cartAdds: row.cartAdds,
  }));
}
