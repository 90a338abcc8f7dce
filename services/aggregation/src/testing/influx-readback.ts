import type { Series } from '@pulse/influx';
import { stack, testInflux } from '@pulse/testing';
import type { ExpectedMetrics } from './expected-metrics';

/*
 * What aggregation wrote, read back in the shapes of its own measurements (docs/metrics-schema.md).
 * Queries go through `testInflux` (libs/influx's client): a database that does not exist (yet)
 * reads as empty.
 */

function rows(
  series: readonly Series[],
  key: (tags: Readonly<Record<string, string>>, time: number) => string,
  fields: readonly string[],
) {
  const out = new Map<string, Record<string, number>>();
  for (const entry of series) {
    for (const record of entry.rows) {
      const value: Record<string, number> = {};
      for (const field of fields) value[field] = Number(record[field] ?? 0);
      out.set(key(entry.tags, Number(record.time)), value);
    }
  }
  return out;
}

/** Everything aggregation wrote for windows, summed over partitions by InfluxDB, keyed like ExpectedMetrics. */
export async function readWindowMetrics(
  database: string,
  fromMs: number,
  toMs: number,
  influxUrl: string = stack.influxUrl,
): Promise<ExpectedMetrics> {
  const range = `time >= ${fromMs}ms AND time < ${toMs}ms`;
  const dims = '"window", "grouping", "category", "region"';
  const money = 'sum("revenue_minor") AS "revenue_minor", sum("orders") AS "orders", sum("units") AS "units"';
  const [activity, revenue, products, lateActivity, lateRevenue] = await testInflux(influxUrl).query(
    database,
    [
      `SELECT sum("orders") AS "orders", sum("units") AS "units", sum("customers") AS "customers", sum("views") AS "views", sum("cart_adds") AS "cart_adds" FROM "activity" WHERE ${range} GROUP BY time(1m), ${dims} fill(none)`,
      `SELECT ${money} FROM "revenue" WHERE ${range} GROUP BY time(1m), ${dims}, "currency" fill(none)`,
      `SELECT ${money} FROM "product_sales" WHERE ${range} GROUP BY time(1m), "window", "product_id", "currency" fill(none)`,
      `SELECT sum("events") AS "events", sum("orders") AS "orders", sum("units") AS "units", sum("views") AS "views", sum("cart_adds") AS "cart_adds" FROM "late_activity" WHERE ${range} GROUP BY time(1m), ${dims} fill(none)`,
      `SELECT ${money} FROM "late_revenue" WHERE ${range} GROUP BY time(1m), ${dims}, "currency" fill(none)`,
    ],
  );
  const groupKey = (tags: Readonly<Record<string, string>>, time: number): string =>
    `${tags.window}|${time}|${tags.grouping}|${tags.category ?? ''}|${tags.region ?? ''}`;
  const moneyFields = ['revenue_minor', 'orders', 'units'] as const;
  return {
    activity: rows(activity ?? [], groupKey, [
      'orders',
      'units',
      'customers',
      'views',
      'cart_adds',
    ]) as ExpectedMetrics['activity'],
    revenue: rows(
      revenue ?? [],
      (tags, time) => `${groupKey(tags, time)}|${tags.currency}`,
      moneyFields,
    ) as ExpectedMetrics['revenue'],
    products: rows(
      products ?? [],
      (tags, time) => `${tags.window}|${time}|${tags.product_id}|${tags.currency}`,
      moneyFields,
    ) as ExpectedMetrics['products'],
    lateActivity: rows(lateActivity ?? [], groupKey, [
      'events',
      'orders',
      'units',
      'views',
      'cart_adds',
    ]) as ExpectedMetrics['lateActivity'],
    lateRevenue: rows(
      lateRevenue ?? [],
      (tags, time) => `${groupKey(tags, time)}|${tags.currency}`,
      moneyFields,
    ) as ExpectedMetrics['lateRevenue'],
  };
}

/** The latest progress per partition: offset written up to, and the watermark then. */
export async function readProgress(
  database: string,
  influxUrl: string = stack.influxUrl,
): Promise<Map<number, { offset: number; watermark: number }>> {
  const [series] = await testInflux(influxUrl).query(database, [
    `SELECT last("offset") AS "offset", last("watermark") AS "watermark" FROM "progress" GROUP BY "partition"`,
  ]);
  return new Map(
    (series ?? []).map((entry) => {
      const record = entry.rows[0] ?? {};
      return [
        Number(entry.tags.partition),
        { offset: Number(record.offset), watermark: Number(record.watermark) },
      ];
    }),
  );
}
