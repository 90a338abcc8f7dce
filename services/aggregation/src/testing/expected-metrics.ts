import { EventType } from '@pulse/contracts';
import type { LabelledMessage } from './enriched-dataset';

/**
 * What InfluxDB must hold for a labelled stream, summed over partitions — computed directly from
 * the definitions in docs/metrics-schema.md, sharing no code with aggregation.
 *
 * Keys: `<window>|<windowStart ms>|<grouping>|<category>|<region>` (+ `|<currency>` for money,
 * `<window>|<windowStart>|<productId>|<currency>` for products). Values are plain records so
 * they compare with what is read back.
 */
export interface ExpectedMetrics {
  activity: Map<
    string,
    { orders: number; units: number; customers: number; views: number; cart_adds: number }
  >;
  revenue: Map<string, { revenue_minor: number; orders: number; units: number }>;
  products: Map<string, { revenue_minor: number; orders: number; units: number }>;
  lateActivity: Map<
    string,
    { events: number; orders: number; units: number; views: number; cart_adds: number }
  >;
  lateRevenue: Map<string, { revenue_minor: number; orders: number; units: number }>;
}

const DIGITS: Record<string, number> = { USD: 2, EUR: 2, JPY: 0 };

function label(ms: number): string {
  return ms % 3_600_000 === 0
    ? `${ms / 3_600_000}h`
    : ms % 60_000 === 0
      ? `${ms / 60_000}m`
      : `${ms / 1_000}s`;
}

function add<T extends Record<string, number>>(
  map: Map<string, T>,
  key: string,
  zero: () => T,
  delta: Partial<T>,
): void {
  const entry = map.get(key) ?? zero();
  for (const [name, value] of Object.entries(delta))
    (entry as Record<string, number>)[name] =
      ((entry as Record<string, number>)[name] ?? 0) + (value as number);
  map.set(key, entry);
}

export function expectedMetrics(
  messages: readonly LabelledMessage[],
  windowsMs: readonly number[],
): ExpectedMetrics {
  const result: ExpectedMetrics = {
    activity: new Map(),
    revenue: new Map(),
    products: new Map(),
    lateActivity: new Map(),
    lateRevenue: new Map(),
  };
  // Distinct customers per partition and group; summed over partitions at the end.
  const customers = new Map<string, Set<string>>();
  for (const message of messages) {
    if ((message.label !== 'counted' && message.label !== 'late') || message.event === null) continue;
    const event = message.event;
    const region = event.enrichment.geo.region;
    const categoryOfLine = (index: number): string => event.enrichment.products[index]?.category ?? 'unknown';
    for (const size of windowsMs) {
      const eventTime = Date.parse(event.time);
      const at = message.label === 'counted' ? eventTime : message.partitionMaxAfter;
      const start = at - (at % size);
      const group = (grouping: string, category = '', groupRegion = ''): string =>
        `${label(size)}|${start}|${grouping}|${category}|${groupRegion}`;
      if (event.type === EventType.OrderPlaced) {
        const { currency, lines } = event.data;
        const minorOf = (line: (typeof lines)[number]): number =>
          Math.round(line.unitPrice * 10 ** (DIGITS[currency] as number)) * line.quantity;
        const perCategory = new Map<string, { units: number; minor: number }>();
        lines.forEach((line, index) => {
          const entry = perCategory.get(categoryOfLine(index)) ?? { units: 0, minor: 0 };
          entry.units += line.quantity;
          entry.minor += minorOf(line);
          perCategory.set(categoryOfLine(index), entry);
        });
        const total = {
          units: lines.reduce((sum, line) => sum + line.quantity, 0),
          minor: lines.reduce((sum, line) => sum + minorOf(line), 0),
        };
        const groups: [string, { units: number; minor: number }][] = [
          [group('total'), total],
          [group('region', '', region), total],
          ...[...perCategory].flatMap(([category, share]): [string, { units: number; minor: number }][] => [
            [group('category', category), share],
            [group('category_region', category, region), share],
          ]),
        ];
        for (const [key, share] of groups) {
          if (message.label === 'counted') {
            add(result.activity, key, zeroActivity, { orders: 1, units: share.units });
            add(result.revenue, `${key}|${currency}`, zeroMoney, {
              revenue_minor: share.minor,
              orders: 1,
              units: share.units,
            });
            const customerKey = `${message.partition}|${key}`;
            customers.set(
              customerKey,
              (customers.get(customerKey) ?? new Set()).add(event.customerid as string),
            );
          } else {
            add(result.lateActivity, key, zeroLate, { events: 1, orders: 1, units: share.units });
            add(result.lateRevenue, `${key}|${currency}`, zeroMoney, {
              revenue_minor: share.minor,
              orders: 1,
              units: share.units,
            });
          }
        }
        if (message.label === 'counted') {
          const perProduct = new Map<string, { units: number; minor: number }>();
          lines.forEach((line, index) => {
            // Products the catalogue does not know count as one product, `unknown`.
            const productId = event.enrichment.products[index] == null ? 'unknown' : line.productId;
            const entry = perProduct.get(productId) ?? { units: 0, minor: 0 };
            entry.units += line.quantity;
            entry.minor += minorOf(line);
            perProduct.set(productId, entry);
          });
          for (const [productId, share] of perProduct) {
            add(result.products, `${label(size)}|${start}|${productId}|${currency}`, zeroMoney, {
              revenue_minor: share.minor,
              orders: 1,
              units: share.units,
            });
          }
        }
      } else {
        const category = categoryOfLine(0);
        const field = event.type === EventType.ProductViewed ? 'views' : 'cart_adds';
        for (const key of [
          group('total'),
          group('region', '', region),
          group('category', category),
          group('category_region', category, region),
        ]) {
          if (message.label === 'counted') add(result.activity, key, zeroActivity, { [field]: 1 });
          else add(result.lateActivity, key, zeroLate, { events: 1, [field]: 1 });
        }
      }
    }
  }
  for (const [customerKey, set] of customers) {
    const key = customerKey.slice(customerKey.indexOf('|') + 1);
    add(result.activity, key, zeroActivity, { customers: set.size });
  }
  return result;
}

const zeroActivity = () => ({ orders: 0, units: 0, customers: 0, views: 0, cart_adds: 0 });
const zeroMoney = () => ({ revenue_minor: 0, orders: 0, units: 0 });
const zeroLate = () => ({ events: 0, orders: 0, units: 0, views: 0, cart_adds: 0 });

/** Differences between two maps of records, at most `limit` of them, for a readable failure. */
export function differences<T>(
  expected: ReadonlyMap<string, T>,
  actual: ReadonlyMap<string, T>,
  limit = 15,
): string[] {
  const out: string[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const want = JSON.stringify(expected.get(key));
    const got = JSON.stringify(actual.get(key));
    if (want !== got) out.push(`${key}: expected ${want}, got ${got}`);
    if (out.length >= limit) break;
  }
  return out;
}
