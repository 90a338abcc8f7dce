import { Point } from '@influxdata/influxdb-client';
import { toMajorUnits } from '@pulse/contracts';
import type { ChangeSet } from '../state/partition-aggregator';
import type { CurrencyTotals, GroupTotals } from '../state/group-totals';
import type { WindowState } from '../state/window-state';
import { MEASUREMENT } from './measurements';

/** Timestamps are written in ms (`precision=ms`); Point would otherwise assume ns. */
export const MS_PRECISION = { convertTime: (value: string | number | Date | undefined) => timeOf(value) };

function timeOf(value: string | number | Date | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? String(value.getTime()) : String(value);
}

export function lineOf(point: Point): string {
  const line = point.toLineProtocol(MS_PRECISION);
  if (line === undefined) throw new Error('a point without fields cannot be written');
  return line;
}

interface WindowPointContext {
  readonly partition: string;
  readonly window: WindowState;
  readonly final: boolean;
  readonly watermark: number;
}

/**
 * The line-protocol points of one flush. One point per measurement, tag set (window size,
 * partition, grouping, dimensions, currency) and window start: a rewrite overwrites it, so
 * replays and rewrites are harmless.
 */
export function changeSetLines(partition: number, changes: ChangeSet): string[] {
  const lines: string[] = [];
  const tag = String(partition);
  for (const window of changes.finals) {
    const context = { partition: tag, window, final: true, watermark: window.closedAt ?? changes.watermark };
    for (const group of window.groups.values()) groupLines(context, group, lines);
  }
  for (const { window, groups } of changes.updates) {
    const context = { partition: tag, window, final: false, watermark: changes.watermark };
    for (const group of groups) groupLines(context, group, lines);
  }
  return lines;
}

function basePoint(measurement: string, context: WindowPointContext, group: GroupTotals): Point {
  const point = new Point(measurement)
    .tag('window', context.window.spec.label)
    .tag('partition', context.partition)
    .tag('grouping', group.dims.grouping);
  if (group.dims.category !== null) point.tag('category', group.dims.category);
  if (group.dims.region !== null) point.tag('region', group.dims.region);
  return point;
}

function finish(point: Point, context: WindowPointContext): string {
  return lineOf(
    point
      .booleanField('final', context.final)
      .intField('watermark', context.watermark)
      .timestamp(context.window.start),
  );
}

function moneyFields(point: Point, currency: string, money: CurrencyTotals): Point {
  return point
    .intField('revenue_minor', money.minor)
    .floatField('revenue', toMajorUnits(money.minor, currency))
    .intField('orders', money.orders)
    .intField('units', money.units);
}

function groupLines(context: WindowPointContext, group: GroupTotals, lines: string[]): void {
  if (group.dims.grouping === 'product') {
    for (const [currency, money] of group.revenue ?? []) {
      const point = new Point(MEASUREMENT.productSales)
        .tag('window', context.window.spec.label)
        .tag('partition', context.partition)
        .tag('product_id', group.dims.productId ?? '')
        .tag('currency', currency)
        .stringField('category', group.dims.category ?? '');
      lines.push(finish(moneyFields(point, currency, money), context));
    }
    return;
  }
  if (group.hasOnTime) {
    const point = basePoint(MEASUREMENT.activity, context, group)
      .intField('orders', group.orders)
      .intField('units', group.units)
      .intField('customers', group.uniqueCustomers)
      .intField('views', group.views)
      .intField('cart_adds', group.cartAdds);
    lines.push(finish(point, context));
  }
  for (const [currency, money] of group.revenue ?? []) {
    lines.push(
      finish(
        moneyFields(
          basePoint(MEASUREMENT.revenue, context, group).tag('currency', currency),
          currency,
          money,
        ),
        context,
      ),
    );
  }
  const late = group.late;
  if (late === null) return;
  const latePoint = basePoint(MEASUREMENT.lateActivity, context, group)
    .intField('events', late.events)
    .intField('orders', late.orders)
    .intField('units', late.units)
    .intField('views', late.views)
    .intField('cart_adds', late.cartAdds);
  lines.push(finish(latePoint, context));
  for (const [currency, money] of late.revenue) {
    lines.push(
      finish(
        moneyFields(
          basePoint(MEASUREMENT.lateRevenue, context, group).tag('currency', currency),
          currency,
          money,
        ),
        context,
      ),
    );
  }
}
