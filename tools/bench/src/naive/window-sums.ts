import { Point } from '@influxdata/influxdb-client';
import { EventType, UNKNOWN_CATEGORY, type EnrichedEvent } from '@pulse/contracts';

interface Sums {
  readonly tags: Readonly<Record<string, string>>;
  readonly windowStart: number;
  orders: number;
  units: number;
  views: number;
  cartAdds: number;
  readonly customers: Set<string>;
  /** Per currency: revenue in minor units (cents), orders and units. */
  readonly revenue: Map<string, { minor: number; orders: number; units: number }>;
}

const MS = {
  convertTime: (value: string | number | Date | undefined) =>
    value === undefined ? undefined : String(value),
};

/**
 * The baseline's aggregation: running sums per tumbling window and group (total, category,
 * region, category × region, product), written in the same InfluxDB schema as Pulse's
 * aggregation (docs/metrics-schema.md) so that one query reads both. Deliberately plain: no
 * per-partition state, no watermark, no deduplication, cents by rounding — it is the baseline.
 */
export class WindowSums {
  private readonly groups = new Map<string, Sums>();
  private readonly dirty = new Set<Sums>();

  constructor(
    private readonly windowMs: number,
    private readonly windowLabel: string,
  ) {}

  add(event: EnrichedEvent): void {
    const time = Date.parse(event.time);
    const windowStart = time - (time % this.windowMs);
    const region = event.enrichment.geo.region;
    switch (event.type) {
      case EventType.OrderPlaced: {
        const lines = event.data.lines;
        const units = lines.reduce((sum, line) => sum + line.quantity, 0);
        const minor = lines.reduce((sum, line) => sum + Math.round(line.unitPrice * 100) * line.quantity, 0);
        const customer = event.customerid ?? '';
        const categories = new Map<string, { units: number; minor: number }>();
        lines.forEach((line, index) => {
          const category = event.enrichment.products[index]?.category ?? UNKNOWN_CATEGORY;
          const share = categories.get(category) ?? { units: 0, minor: 0 };
          share.units += line.quantity;
          share.minor += Math.round(line.unitPrice * 100) * line.quantity;
          categories.set(category, share);
          const product = this.group(windowStart, {
            grouping: 'product',
            product_id: line.productId,
            category,
          });
          this.order(
            product,
            event.data.currency,
            line.quantity,
            Math.round(line.unitPrice * 100) * line.quantity,
            customer,
          );
        });
        this.order(
          this.group(windowStart, { grouping: 'total' }),
          event.data.currency,
          units,
          minor,
          customer,
        );
        this.order(
          this.group(windowStart, { grouping: 'region', region }),
          event.data.currency,
          units,
          minor,
          customer,
        );
        for (const [category, share] of categories) {
          this.order(
            this.group(windowStart, { grouping: 'category', category }),
            event.data.currency,
            share.units,
            share.minor,
            customer,
          );
          this.order(
            this.group(windowStart, { grouping: 'category_region', category, region }),
            event.data.currency,
            share.units,
            share.minor,
            customer,
          );
        }
        return;
      }
      case EventType.ProductViewed:
      case EventType.CartItemAdded: {
        const category = event.enrichment.products[0]?.category ?? UNKNOWN_CATEGORY;
        const field = event.type === EventType.ProductViewed ? 'views' : 'cartAdds';
        const groups: Record<string, string>[] = [
          { grouping: 'total' },
          { grouping: 'region', region },
          { grouping: 'category', category },
          { grouping: 'category_region', category, region },
        ];
        for (const tags of groups) {
          const sums = this.group(windowStart, tags);
          sums[field] += 1;
          this.dirty.add(sums);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Line protocol for every group that changed since the last call (one point per window and group). */
  takeDirtyLines(): string[] {
    const lines: string[] = [];
    for (const sums of this.dirty) {
      if (sums.tags.grouping !== 'product') {
        lines.push(
          this.point('activity', sums)
            .intField('orders', sums.orders)
            .intField('units', sums.units)
            .intField('customers', sums.customers.size)
            .intField('views', sums.views)
            .intField('cart_adds', sums.cartAdds)
            .toLineProtocol(MS) as string,
        );
      }
      for (const [currency, money] of sums.revenue) {
        lines.push(
          this.point(sums.tags.grouping === 'product' ? 'product_sales' : 'revenue', sums)
            .tag('currency', currency)
            .intField('revenue_minor', money.minor)
            .floatField('revenue', money.minor / 100)
            .intField('orders', money.orders)
            .intField('units', money.units)
            .toLineProtocol(MS) as string,
        );
      }
    }
    this.dirty.clear();
    return lines;
  }

  private point(measurement: string, sums: Sums): Point {
    const point = new Point(measurement).tag('window', this.windowLabel).tag('partition', 'all');
    for (const [name, value] of Object.entries(sums.tags)) point.tag(name, value);
    return point.booleanField('final', false).timestamp(sums.windowStart);
  }

  private order(sums: Sums, currency: string, units: number, minor: number, customer: string): void {
    sums.orders += 1;
    sums.units += units;
    sums.customers.add(customer);
    const money = sums.revenue.get(currency) ?? { minor: 0, orders: 0, units: 0 };
    money.minor += minor;
    money.orders += 1;
    money.units += units;
    sums.revenue.set(currency, money);
    this.dirty.add(sums);
  }

  private group(windowStart: number, tags: Record<string, string>): Sums {
    const key = `${windowStart}|${Object.values(tags).join('|')}`;
    let sums = this.groups.get(key);
    if (!sums) {
      sums = {
        tags,
        windowStart,
        orders: 0,
        units: 0,
        views: 0,
        cartAdds: 0,
        customers: new Set(),
        revenue: new Map(),
      };
      this.groups.set(key, sums);
    }
    return sums;
  }
}
