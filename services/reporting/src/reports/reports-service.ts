import { Inject, Injectable } from '@nestjs/common';
import { INFLUX_QUERY, type InfluxQueryClient, type Series } from '../influx/influx-query-client';
import { durationLiteral, equals, ident, timeRange, where } from '../influx/influxql';
import { REPORTING_CONFIG, type ReportingConfig } from '../config';
import {
  toMajorUnits,
  type FunnelParams,
  type ReportDimension,
  type ReportFilters,
  type SalesParams,
  type TopProductsParams,
} from '@pulse/contracts';
import { averageOrderValue, ratio } from './money';
import type { Completeness, FunnelRow, ProductRevenue, SalesRow, TopProductRow } from './report-rows';

/** Measurement names written by aggregation (docs/metrics-schema.md). */
const ACTIVITY = 'activity';
const REVENUE = 'revenue';
const PRODUCT_SALES = 'product_sales';
const PROGRESS = 'progress';

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The grouping whose points hold every dimension a report groups or filters by. */
function groupingFor(dimensions: ReadonlySet<ReportDimension>): string {
  if (dimensions.has('category') && dimensions.has('region')) return 'category_region';
  if (dimensions.has('category')) return 'category';
  if (dimensions.has('region')) return 'region';
  return 'total';
}

function filterConditions(filters: ReportFilters): string[] {
  const conditions: string[] = [];
  if (filters.category !== undefined) conditions.push(equals('category', filters.category));
  if (filters.region !== undefined) conditions.push(equals('region', filters.region));
  return conditions;
}

function dimensionsOf(
  filters: ReportFilters,
  groupBy: readonly ReportDimension[] = [],
): Set<ReportDimension> {
  const dimensions = new Set<ReportDimension>(groupBy);
  if (filters.category !== undefined) dimensions.add('category');
  if (filters.region !== undefined) dimensions.add('region');
  return dimensions;
}

/**
 * Reads the window points aggregation wrote and sums them across partitions (exact, distinct
 * customers included: events are keyed by customer, so a customer is on one partition).
 * Every row says how complete it is: a window is final when every point of it was written
 * final and every partition's latest watermark has passed its end.
 */
@Injectable()
export class ReportsService {
  constructor(
    @Inject(INFLUX_QUERY) private readonly influx: InfluxQueryClient,
    @Inject(REPORTING_CONFIG) private readonly config: ReportingConfig,
  ) {}

  get smallestWindowMs(): number {
    return this.config.PULSE_WINDOWS[0] as number;
  }

  async sales(params: SalesParams): Promise<SalesRow[]> {
    const label = durationLiteral(params.intervalMs);
    const conditions = [
      equals('window', label),
      equals('grouping', groupingFor(dimensionsOf(params, params.groupBy))),
      ...filterConditions(params),
      timeRange(params.fromMs, params.toMs),
    ];
    const groupBy = [`time(${label})`, ...params.groupBy.map(ident)];
    const revenueConditions =
      params.currency === undefined ? conditions : [...conditions, equals('currency', params.currency)];
    const [activity, revenue, progress] = await this.influx.query([
      `SELECT sum("orders") AS "orders", sum("units") AS "units", sum("customers") AS "customers", sum("views") AS "views", ` +
        `sum("cart_adds") AS "cart_adds", min("watermark") AS "watermark" FROM ${ident(ACTIVITY)}${where(conditions)} ` +
        `GROUP BY ${groupBy.join(', ')} fill(none)`,
      `SELECT sum("revenue_minor") AS "revenue_minor", sum("orders") AS "orders", min("watermark") AS "watermark" ` +
        `FROM ${ident(REVENUE)}${where(revenueConditions)} GROUP BY ${[...groupBy, ident('currency')].join(', ')} fill(none)`,
      this.progressStatement(),
    ]);
    const globalWatermark = minWatermark(progress ?? []);
    const rows = new Map<string, SalesRow & { pointsWatermark: number }>();
    const rowFor = (
      time: number,
      tags: Readonly<Record<string, string>>,
    ): SalesRow & { pointsWatermark: number } => {
      const dims: { category?: string; region?: string } = {};
      for (const dimension of params.groupBy) dims[dimension] = tags[dimension] ?? '';
      const key = `${time}|${dims.category ?? ''}|${dims.region ?? ''}`;
      let row = rows.get(key);
      if (row === undefined) {
        row = {
          windowStart: new Date(time).toISOString(),
          windowEnd: new Date(time + params.intervalMs).toISOString(),
          final: false,
          watermark: null,
          ...dims,
          orders: 0,
          units: 0,
          uniqueCustomers: 0,
          views: 0,
          cartAdds: 0,
          viewToOrderConversion: null,
          revenue: [],
          pointsWatermark: Number.POSITIVE_INFINITY,
        };
        rows.set(key, row);
      }
      return row;
    };
    for (const series of activity ?? []) {
      for (const point of series.rows) {
        const row = rowFor(num(point.time), series.tags);
        row.orders = num(point.orders);
        row.units = num(point.units);
        row.uniqueCustomers = num(point.customers);
        row.views = num(point.views);
        row.cartAdds = num(point.cart_adds);
        row.pointsWatermark = Math.min(row.pointsWatermark, num(point.watermark));
      }
    }
    for (const series of revenue ?? []) {
      const currency = series.tags.currency ?? '';
      for (const point of series.rows) {
        const row = rowFor(num(point.time), series.tags);
        const minor = num(point.revenue_minor);
        const orders = num(point.orders);
        row.revenue.push({
          currency,
          amount: toMajorUnits(minor, currency),
          amountMinor: minor,
          orders,
          averageOrderValue: averageOrderValue(minor, orders, currency),
        });
        row.pointsWatermark = Math.min(row.pointsWatermark, num(point.watermark));
      }
    }
    return [...rows.values()]
      .map(({ pointsWatermark, ...row }) => {
        const end = Date.parse(row.windowEnd);
        row.revenue.sort((a, b) => a.currency.localeCompare(b.currency));
        return {
          ...row,
          ...completeness(pointsWatermark, end, globalWatermark),
          viewToOrderConversion: ratio(row.orders, row.views),
        };
      })
      .sort(
        (a, b) =>
          a.windowStart.localeCompare(b.windowStart) ||
          (a.category ?? '').localeCompare(b.category ?? '') ||
          (a.region ?? '').localeCompare(b.region ?? ''),
      );
  }

  async topProducts(params: TopProductsParams): Promise<TopProductRow[]> {
    const window = this.rangeWindow(params);
    const conditions = [
      equals('window', durationLiteral(this.smallestWindowMs)),
      timeRange(params.fromMs, params.toMs),
    ];
    const [products, categories, open, progress] = await this.influx.query([
      `SELECT sum("revenue_minor") AS "revenue_minor", sum("units") AS "units", sum("orders") AS "orders", ` +
        `min("watermark") AS "watermark" FROM ${ident(PRODUCT_SALES)}${where(conditions)} GROUP BY "product_id", "currency"`,
      // Apart from the sums: a selector beside aggregates is not portable across InfluxDB versions.
      `SELECT last("category") AS "category" FROM ${ident(PRODUCT_SALES)}${where(conditions)} GROUP BY "product_id"`,
      this.openPointsStatement(PRODUCT_SALES, conditions),
      this.progressStatement(),
    ]);
    const categoryOf = new Map(
      (categories ?? []).map((series) => [
        series.tags.product_id ?? '',
        String(series.rows[0]?.category ?? ''),
      ]),
    );
    const byProduct = new Map<
      string,
      { units: number; orders: number; revenue: ProductRevenue[]; watermark: number }
    >();
    for (const series of products ?? []) {
      const productId = series.tags.product_id ?? '';
      const currency = series.tags.currency ?? '';
      const point = series.rows[0];
      if (point === undefined) continue;
      const entry = byProduct.get(productId) ?? {
        units: 0,
        orders: 0,
        revenue: [],
        watermark: Number.POSITIVE_INFINITY,
      };
      const minor = num(point.revenue_minor);
      entry.units += num(point.units);
      entry.orders += num(point.orders);
      entry.revenue.push({
        currency,
        amount: toMajorUnits(minor, currency),
        amountMinor: minor,
        orders: num(point.orders),
      });
      entry.watermark = Math.min(entry.watermark, num(point.watermark));
      byProduct.set(productId, entry);
    }
    const revenueIn = (revenue: readonly ProductRevenue[]): number =>
      revenue.find((entry) => entry.currency === params.currency)?.amountMinor ?? 0;
    const ranked = [...byProduct]
      .filter(([, entry]) => params.by === 'units' || revenueIn(entry.revenue) > 0)
      .sort(([idA, a], [idB, b]) => {
        const difference =
          params.by === 'units' ? b.units - a.units : revenueIn(b.revenue) - revenueIn(a.revenue);
        return difference !== 0 ? difference : idA.localeCompare(idB);
      })
      .slice(0, params.limit);
    const status = rangeCompleteness(open ?? [], window.end, minWatermark(progress ?? []));
    return ranked.map(([productId, entry], index) => ({
      rank: index + 1,
      productId,
      category: categoryOf.get(productId) ?? '',
      windowStart: new Date(window.start).toISOString(),
      windowEnd: new Date(window.end).toISOString(),
      final: status.final,
      watermark: Number.isFinite(entry.watermark) ? new Date(entry.watermark).toISOString() : null,
      units: entry.units,
      orders: entry.orders,
      revenue: entry.revenue.sort((a, b) => a.currency.localeCompare(b.currency)),
    }));
  }

  async funnel(params: FunnelParams): Promise<FunnelRow> {
    const window = this.rangeWindow(params);
    const conditions = [
      equals('window', durationLiteral(this.smallestWindowMs)),
      equals('grouping', groupingFor(dimensionsOf(params))),
      ...filterConditions(params),
      timeRange(params.fromMs, params.toMs),
    ];
    const [totals, open, progress] = await this.influx.query([
      `SELECT sum("views") AS "views", sum("cart_adds") AS "cart_adds", sum("orders") AS "orders", min("watermark") AS "watermark" ` +
        `FROM ${ident(ACTIVITY)}${where(conditions)}`,
      this.openPointsStatement(ACTIVITY, conditions),
      this.progressStatement(),
    ]);
    const point = totals?.[0]?.rows[0] ?? {};
    const views = num(point.views);
    const cartAdds = num(point.cart_adds);
    const orders = num(point.orders);
    const status = rangeCompleteness(open ?? [], window.end, minWatermark(progress ?? []));
    return {
      windowStart: new Date(window.start).toISOString(),
      windowEnd: new Date(window.end).toISOString(),
      final: status.final,
      watermark: typeof point.watermark === 'number' ? new Date(point.watermark).toISOString() : null,
      ...(params.category === undefined ? {} : { category: params.category }),
      ...(params.region === undefined ? {} : { region: params.region }),
      views,
      cartAdds,
      orders,
      viewToCart: ratio(cartAdds, views),
      cartToOrder: ratio(orders, cartAdds),
      viewToOrder: ratio(orders, views),
    };
  }

  /** The windows a range report covers: those starting in [from, to), at the smallest size. */
  private rangeWindow({ fromMs, toMs }: { fromMs: number; toMs: number }): { start: number; end: number } {
    const size = this.smallestWindowMs;
    return { start: Math.ceil(fromMs / size) * size, end: Math.ceil(toMs / size) * size };
  }

  /** Each partition's latest watermark (within the lookback): the slowest one bounds completeness. */
  private progressStatement(): string {
    return (
      `SELECT last("watermark") AS "watermark" FROM ${ident(PROGRESS)} ` +
      `WHERE time > now() - ${durationLiteral(this.config.PULSE_REPORTING_PROGRESS_LOOKBACK)} GROUP BY "partition"`
    );
  }

  /** How many points in the range are not final yet. */
  private openPointsStatement(measurement: string, conditions: readonly string[]): string {
    return `SELECT count("watermark") AS "open" FROM ${ident(measurement)}${where([...conditions, '"final" = false'])}`;
  }
}

/** The slowest partition's watermark, or undefined when no partition reported recently. */
function minWatermark(progress: readonly Series[]): number | undefined {
  const marks = progress
    .map((series) => series.rows[0]?.watermark)
    .filter((mark): mark is number => typeof mark === 'number');
  return marks.length === 0 ? undefined : Math.min(...marks);
}

/**
 * A window is final when all its points were written final (their watermark passed its end)
 * and no partition that reported recently is still behind its end. With no recent progress at
 * all (aggregation stopped), the points alone decide.
 */
function completeness(
  pointsWatermark: number,
  end: number,
  globalWatermark: number | undefined,
): Completeness {
  const final =
    Number.isFinite(pointsWatermark) &&
    pointsWatermark >= end &&
    (globalWatermark === undefined || globalWatermark >= end);
  return {
    final,
    watermark: Number.isFinite(pointsWatermark) ? new Date(pointsWatermark).toISOString() : null,
  };
}

function rangeCompleteness(
  open: readonly Series[],
  end: number,
  globalWatermark: number | undefined,
): { final: boolean } {
  const openPoints = num(open[0]?.rows[0]?.open);
  return { final: openPoints === 0 && (globalWatermark === undefined || globalWatermark >= end) };
}
