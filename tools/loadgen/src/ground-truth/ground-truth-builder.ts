import {
  EventType,
  UNKNOWN_CATEGORY,
  regionForCountry,
  type Customer,
  type Product,
  type PulseEvent,
} from '@pulse/contracts';
import type { GroundTruth, GroundTruthCell, TruthGrouping } from '@pulse/fleet';
import type { ReferenceData } from '../reference/reference-data';
import type { GeneratedItem } from '../scenarios/generated-item';
import { toMinorUnits } from './money';

/** What ingestion did with an item: acknowledged it, refused it (4xx), or we never learned (failure). */
export type Outcome = 'accepted' | 'rejected' | 'failed';

export interface TruthDefinitions {
  windowSizeMs: number;
  allowedLatenessMs: number;
}

export const DEFAULT_DEFINITIONS: TruthDefinitions = { windowSizeMs: 60_000, allowedLatenessMs: 30_000 };

interface Accumulator {
  windowStart: number;
  category: string | null;
  region: string | null;
  orders: number;
  units: number;
  revenueMinor: Map<string, number>;
  customers: Set<string>;
  views: number;
  cartAdds: number;
}

interface Tally {
  sent: number;
  accepted: number;
  rejected: number;
}

const tally = (): Tally => ({ sent: 0, accepted: 0, rejected: 0 });

/**
 * Recomputes, independently of the pipeline, what aggregation must report for the items
 * ingestion accepted — from the events as sent and the reference data, with aggregation's
 * definitions (docs/metrics-schema.md):
 * - tumbling event-time windows aligned to the epoch;
 * - category from the product (unknown product → `unknown`), region from the event's `country`
 *   else the customer's country (else `unknown`), as enrichment resolves them;
 * - an order counts once in each group it has lines in; units and revenue per line, revenue in
 *   exact minor units per currency; unique customers are the distinct ordering customers;
 * - an event id counts once however often it is sent; late events count in no window.
 */
export class GroundTruthBuilder {
  private readonly products: ReadonlyMap<string, Product>;
  private readonly customers: ReadonlyMap<string, Customer>;
  private readonly cells = new Map<string, Accumulator>();
  private readonly productTotals = new Map<string, GroundTruth['products'][number]>();
  private readonly counted = new Set<string>();
  private readonly events = { sent: 0, accepted: 0, rejected: 0, failed: 0 };
  private readonly malformed = {
    ...tally(),
    byKind: {} as Record<string, number>,
    bypass: { sent: 0, written: 0, ids: [] as string[] },
  };
  private readonly duplicates = tally();
  private readonly late = tally();
  private readonly bursts = new Map<string, { orders: number; first: number; last: number }>();
  private readonly stockOuts: { productId: string; eventTime: string }[] = [];
  private readonly inexact: string[] = [];

  constructor(
    reference: ReferenceData,
    readonly definitions: TruthDefinitions = DEFAULT_DEFINITIONS,
  ) {
    this.products = new Map(reference.products.map((product) => [product.id, product]));
    this.customers = new Map(reference.customers.map((customer) => [customer.id, customer]));
  }

  record(item: GeneratedItem, outcome: Outcome): void {
    if (item.kind === 'malformed') this.recordMalformed(item, outcome);
    // `events` are what went through the API; bypass writes are only in `malformed.bypass`.
    if (item.route === 'kafka') return;
    this.events.sent += 1;
    this.events[outcome] += 1;
    const group = item.kind === 'duplicate' ? this.duplicates : item.kind === 'late' ? this.late : undefined;
    if (group) {
      group.sent += 1;
      if (outcome !== 'failed') group[outcome] += 1;
    }
    if (outcome !== 'accepted' || !item.event || item.kind === 'late') return;
    if (this.counted.has(item.eventId)) return;
    this.counted.add(item.eventId);
    this.count(item.event, item);
  }

  private recordMalformed(item: GeneratedItem, outcome: Outcome): void {
    const kind = item.malformedKind ?? 'unknown';
    this.malformed.sent += 1;
    this.malformed.byKind[kind] = (this.malformed.byKind[kind] ?? 0) + 1;
    if (item.route === 'kafka') {
      this.malformed.bypass.sent += 1;
      if (outcome === 'accepted') {
        this.malformed.bypass.written += 1;
        this.malformed.bypass.ids.push(item.eventId);
      }
    } else if (outcome !== 'failed') {
      this.malformed[outcome] += 1;
    }
  }

  /** Marks the truth as a lower bound, with why (e.g. a request whose answer never came). */
  markInexact(reason: string): void {
    if (!this.inexact.includes(reason)) this.inexact.push(reason);
  }

  build(run: GroundTruth['run'], requests: GroundTruth['requests']): GroundTruth {
    const grouped = (grouping: TruthGrouping) =>
      [...this.cells.entries()]
        .filter(([key]) => key.startsWith(`${grouping}|`))
        .map(([, cell]) => toCell(cell))
        .sort(compareCells);
    const total = grouped('total');
    const totals = { orders: 0, units: 0, revenueMinor: {} as Record<string, number>, views: 0, cartAdds: 0 };
    for (const cell of total) {
      totals.orders += cell.orders;
      totals.units += cell.units;
      totals.views += cell.views;
      totals.cartAdds += cell.cartAdds;
      for (const [currency, minor] of Object.entries(cell.revenueMinor)) {
        totals.revenueMinor[currency] = (totals.revenueMinor[currency] ?? 0) + minor;
      }
    }
    const starts = total.map((cell) => Date.parse(cell.windowStart));
    const failed = this.events.failed;
    const inexact =
      failed > 0 ? [...this.inexact, `${failed} events' outcome unknown (requests failed)`] : this.inexact;
    return {
      version: 1,
      run,
      windowSizeMs: this.definitions.windowSizeMs,
      allowedLatenessMs: this.definitions.allowedLatenessMs,
      exact: inexact.length === 0,
      inexactReasons: [...inexact],
      requests: { ...requests },
      events: { ...this.events },
      malformed: {
        ...this.malformed,
        byKind: { ...this.malformed.byKind },
        bypass: { ...this.malformed.bypass, ids: [...this.malformed.bypass.ids] },
      },
      duplicates: { ...this.duplicates },
      late: { ...this.late },
      range:
        starts.length === 0
          ? null
          : {
              from: new Date(Math.min(...starts)).toISOString(),
              to: new Date(Math.max(...starts) + this.definitions.windowSizeMs).toISOString(),
            },
      totals,
      groupings: {
        total,
        category: grouped('category'),
        region: grouped('region'),
        category_region: grouped('category_region'),
      },
      products: [...this.productTotals.values()].sort((a, b) => a.productId.localeCompare(b.productId)),
      expectations: {
        orderBursts: [...this.bursts.entries()].map(([customerId, burst]) => ({
          customerId,
          orders: burst.orders,
          firstEventTime: new Date(burst.first).toISOString(),
          lastEventTime: new Date(burst.last).toISOString(),
        })),
        stockOuts: [...this.stockOuts],
      },
    };
  }

  private count(event: PulseEvent, item: GeneratedItem): void {
    const timeMs = Date.parse(event.time);
    const windowStart = timeMs - mod(timeMs, this.definitions.windowSizeMs);
    const region = this.regionOf(event);
    switch (event.type) {
      case EventType.ProductViewed:
        for (const cell of this.cellsFor(windowStart, [this.categoryOf(event.data.productId)], region))
          cell.views += 1;
        return;
      case EventType.CartItemAdded:
        for (const cell of this.cellsFor(windowStart, [this.categoryOf(event.data.productId)], region)) {
          cell.cartAdds += 1;
        }
        return;
      case EventType.InventoryLevelChanged:
        if (event.data.stock === 0)
          this.stockOuts.push({ productId: event.data.productId, eventTime: event.time });
        return;
      case EventType.OrderPlaced: {
        const { currency, lines } = event.data;
        const categories = lines.map((line) => this.categoryOf(line.productId));
        const cells = this.cellsFor(windowStart, categories, region);
        for (const cell of cells) {
          cell.orders += 1;
          cell.customers.add(event.customerid);
        }
        lines.forEach((line, index) => {
          const category = categories[index] as string;
          const revenue = toMinorUnits(line.unitPrice, currency) * line.quantity;
          for (const cell of cells) {
            if (cell.category !== null && cell.category !== category) continue;
            cell.units += line.quantity;
            cell.revenueMinor.set(currency, (cell.revenueMinor.get(currency) ?? 0) + revenue);
          }
          this.countProduct(line.productId, category, currency, line.quantity, revenue);
        });
        for (const productId of new Set(lines.map((line) => line.productId))) {
          const totals = this.productTotals.get(productId);
          if (totals) totals.orders += 1;
        }
        if (item.tags.includes('fraud-burst')) this.countBurst(event.customerid, timeMs);
        return;
      }
    }
  }

  /** The accumulators an event feeds: the total, its categories, its region, and each pair. */
  private cellsFor(windowStart: number, categories: readonly string[], region: string): Accumulator[] {
    const distinct = [...new Set(categories)];
    return [
      this.cell('total', windowStart, null, null),
      this.cell('region', windowStart, null, region),
      ...distinct.map((category) => this.cell('category', windowStart, category, null)),
      ...distinct.map((category) => this.cell('category_region', windowStart, category, region)),
    ];
  }

  private cell(grouping: TruthGrouping, windowStart: number, category: string | null, region: string | null) {
    const key = `${grouping}|${windowStart}|${category ?? ''}|${region ?? ''}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = {
        windowStart,
        category,
        region,
        orders: 0,
        units: 0,
        revenueMinor: new Map(),
        customers: new Set(),
        views: 0,
        cartAdds: 0,
      };
      this.cells.set(key, cell);
    }
    return cell;
  }

  private countProduct(
    productId: string,
    category: string,
    currency: string,
    units: number,
    revenue: number,
  ): void {
    let totals = this.productTotals.get(productId);
    if (!totals) {
      totals = { productId, category, orders: 0, units: 0, revenueMinor: {} };
      this.productTotals.set(productId, totals);
    }
    totals.units += units;
    totals.revenueMinor[currency] = (totals.revenueMinor[currency] ?? 0) + revenue;
  }

  private countBurst(customerId: string, timeMs: number): void {
    const burst = this.bursts.get(customerId) ?? { orders: 0, first: timeMs, last: timeMs };
    burst.orders += 1;
    burst.first = Math.min(burst.first, timeMs);
    burst.last = Math.max(burst.last, timeMs);
    this.bursts.set(customerId, burst);
  }

  private categoryOf(productId: string): string {
    return this.products.get(productId)?.category ?? UNKNOWN_CATEGORY;
  }

  /** Enrichment's precedence: the event's own country, then the customer's, else unknown. */
  private regionOf(event: PulseEvent): string {
    const country =
      event.country ??
      (event.customerid === undefined ? undefined : this.customers.get(event.customerid)?.country);
    return regionForCountry(country);
  }
}

function toCell(cell: Accumulator): GroundTruthCell {
  return {
    windowStart: new Date(cell.windowStart).toISOString(),
    category: cell.category,
    region: cell.region,
    orders: cell.orders,
    units: cell.units,
    revenueMinor: Object.fromEntries([...cell.revenueMinor.entries()].sort(([a], [b]) => a.localeCompare(b))),
    uniqueCustomers: cell.customers.size,
    views: cell.views,
    cartAdds: cell.cartAdds,
  };
}

function compareCells(a: GroundTruthCell, b: GroundTruthCell): number {
  return (
    a.windowStart.localeCompare(b.windowStart) ||
    (a.category ?? '').localeCompare(b.category ?? '') ||
    (a.region ?? '').localeCompare(b.region ?? '')
  );
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
