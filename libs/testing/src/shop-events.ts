import { EventType } from '@pulse/contracts';
import type { GroundTruthCell } from '@pulse/fleet';

export interface OrderLineSent {
  productId: string;
  quantity: number;
  /** In major units, as clients send it; always a whole number of cents here. */
  unitPrice: number;
}

/** The events this suite sends itself (where the load generator does not fit), as sent. */
export type ShopEvent = {
  id: string;
  source: string;
  time: string;
} & (
  | { type: typeof EventType.ProductViewed; customerid: string; data: { productId: string } }
  | {
      type: typeof EventType.CartItemAdded;
      customerid: string;
      data: { productId: string; quantity: number };
    }
  | {
      type: typeof EventType.OrderPlaced;
      customerid: string;
      data: { orderId: string; currency: string; lines: OrderLineSent[] };
    }
  | { type: typeof EventType.InventoryLevelChanged; data: { productId: string; stock: number } }
);

/** Products and customers of the sample reference data (deploy/sample-data). */
const PRODUCTS = ['p-0001', 'p-0002', 'p-0003', 'p-0004', 'p-0005', 'p-0006'] as const;
const CUSTOMERS = 40;
const PRICES_IN_CENTS = [1999, 4350, 12999, 505, 8000, 2475] as const;
const CURRENCIES = ['USD', 'EUR'] as const;

/**
 * A deterministic stream of shop traffic — views, cart adds and orders of one or two lines in
 * USD or EUR — whose effect on the `total` figures is computed independently below. Event time
 * is the moment the event is made; ids are unique per source.
 */
export class ShopEventSource {
  private sequence = 0;

  constructor(private readonly runId: string) {}

  next(now = Date.now()): ShopEvent {
    const n = this.sequence;
    this.sequence += 1;
    const base = {
      id: `${this.runId}-${n}`,
      source: '/resilience',
      time: new Date(now).toISOString(),
      customerid: customerId((n % CUSTOMERS) + 1),
    };
    const productId = PRODUCTS[n % PRODUCTS.length] as string;
    switch (n % 5) {
      case 2:
        return { ...base, type: EventType.CartItemAdded, data: { productId, quantity: (n % 3) + 1 } };
      case 3: {
        const lines = [line(n), ...(n % 2 === 0 ? [line(n + 1)] : [])];
        return {
          ...base,
          type: EventType.OrderPlaced,
          data: { orderId: `${base.id}-order`, currency: CURRENCIES[n % 2] as string, lines },
        };
      }
      default:
        return { ...base, type: EventType.ProductViewed, data: { productId } };
    }
  }
}

/** A customer of the sample reference data: c-00001 … c-03000. */
export function customerId(number: number): string {
  return `c-${String(number).padStart(5, '0')}`;
}

/** An order of one line, as a client would send it. */
export function orderOf(id: string, customer: string, line: OrderLineSent, now = Date.now()): ShopEvent {
  return {
    id,
    source: '/resilience',
    time: new Date(now).toISOString(),
    type: EventType.OrderPlaced,
    customerid: customer,
    data: { orderId: `${id}-order`, currency: 'USD', lines: [line] },
  };
}

/** A warehouse's new stock level of a product. */
export function stockLevelOf(id: string, productId: string, stock: number, now = Date.now()): ShopEvent {
  return {
    id,
    source: '/resilience/warehouse',
    time: new Date(now).toISOString(),
    type: EventType.InventoryLevelChanged,
    data: { productId, stock },
  };
}

function line(n: number): OrderLineSent {
  const index = n % PRODUCTS.length;
  return {
    productId: PRODUCTS[index] as string,
    quantity: (n % 4) + 1,
    unitPrice: (PRICES_IN_CENTS[index] as number) / 100,
  };
}

/**
 * What aggregation must report in the `total` grouping for these events, per event-time window
 * (tumbling, aligned to the epoch): each event id counted once; orders, units and revenue in
 * minor units per currency, distinct ordering customers, views and cart adds.
 */
export function expectedTotals(events: Iterable<ShopEvent>, windowMs: number): GroundTruthCell[] {
  const cells = new Map<number, GroundTruthCell & { customers: Set<string> }>();
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const start = Math.floor(Date.parse(event.time) / windowMs) * windowMs;
    let cell = cells.get(start);
    if (!cell) {
      cell = {
        windowStart: new Date(start).toISOString(),
        category: null,
        region: null,
        orders: 0,
        units: 0,
        revenueMinor: {},
        uniqueCustomers: 0,
        views: 0,
        cartAdds: 0,
        customers: new Set(),
      };
      cells.set(start, cell);
    }
    if (event.type === EventType.ProductViewed) cell.views += 1;
    else if (event.type === EventType.CartItemAdded) cell.cartAdds += 1;
    else if (event.type === EventType.OrderPlaced) {
      cell.orders += 1;
      cell.customers.add(event.customerid);
      cell.uniqueCustomers = cell.customers.size;
      const { currency } = event.data;
      for (const { quantity, unitPrice } of event.data.lines) {
        cell.units += quantity;
        cell.revenueMinor[currency] =
          (cell.revenueMinor[currency] ?? 0) + Math.round(unitPrice * 100) * quantity;
      }
    }
  }
  return [...cells.values()]
    .sort((a, b) => Date.parse(a.windowStart) - Date.parse(b.windowStart))
    .map(({ customers: _customers, ...cell }) => cell);
}
