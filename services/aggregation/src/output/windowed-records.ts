import type { WindowedMetric } from '@pulse/contracts';
import type { OutgoingRecord } from '@pulse/kafka';
import { toMajorUnits } from '@pulse/contracts';
import type { ChangeSet } from '../state/partition-aggregator';
import type { CurrencyTotals, GroupTotals } from '../state/group-totals';
import type { WindowState } from '../state/window-state';

const HEADERS = { 'content-type': 'application/json' };

/** Window results of one flush for `metrics.windowed`: every group of a final window, changed groups of open ones. */
export function changeSetRecords(topic: string, partition: number, changes: ChangeSet): OutgoingRecord[] {
  const records: OutgoingRecord[] = [];
  for (const window of changes.finals) {
    const watermark = window.closedAt ?? changes.watermark;
    for (const group of window.groups.values())
      records.push(record(topic, windowedMetric(partition, window, group, true, watermark)));
  }
  for (const { window, groups } of changes.updates) {
    for (const group of groups)
      records.push(record(topic, windowedMetric(partition, window, group, false, changes.watermark)));
  }
  return records;
}

/**
 * Keyed by window and dimensions (not partition), so every partition's result for one group
 * lands on the same `metrics.windowed` partition and a consumer can add them up.
 */
export function windowedMetricKey(metric: WindowedMetric): string {
  return [
    metric.windowSizeMs,
    metric.windowStart,
    metric.grouping,
    metric.category ?? '',
    metric.region ?? '',
    metric.productId ?? '',
  ].join('|');
}

function record(topic: string, metric: WindowedMetric): OutgoingRecord {
  return { topic, key: windowedMetricKey(metric), value: JSON.stringify(metric), headers: HEADERS };
}

function money(map: ReadonlyMap<string, CurrencyTotals> | null): {
  major: Record<string, number>;
  minor: Record<string, number>;
} {
  const major: Record<string, number> = {};
  const minor: Record<string, number> = {};
  for (const [currency, totals] of map ?? []) {
    major[currency] = toMajorUnits(totals.minor, currency);
    minor[currency] = totals.minor;
  }
  return { major, minor };
}

export function windowedMetric(
  partition: number,
  window: WindowState,
  group: GroupTotals,
  final: boolean,
  watermark: number,
): WindowedMetric {
  const revenue = money(group.revenue);
  const metric: WindowedMetric = {
    windowStart: new Date(window.start).toISOString(),
    windowEnd: new Date(window.end).toISOString(),
    windowSizeMs: window.spec.sizeMs,
    grouping: group.dims.grouping,
    category: group.dims.category,
    region: group.dims.region,
    productId: group.dims.productId,
    sourcePartition: partition,
    revenue: revenue.major,
    revenueMinor: revenue.minor,
    orders: group.orders,
    units: group.units,
    uniqueCustomers: group.uniqueCustomers,
    views: group.views,
    cartAdds: group.cartAdds,
    final,
    watermark: new Date(watermark).toISOString(),
    lastEventTime: Number.isFinite(group.lastEventTime) ? new Date(group.lastEventTime).toISOString() : null,
  };
  if (group.late !== null) {
    const late = money(group.late.revenue);
    metric.lateEvents = group.late.events;
    metric.lateOrders = group.late.orders;
    metric.lateUnits = group.late.units;
    metric.lateRevenue = late.major;
    metric.lateRevenueMinor = late.minor;
  }
  return metric;
}
