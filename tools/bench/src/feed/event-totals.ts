import { EventType, type PulseEvent } from '@pulse/contracts';

/** What events add to aggregation's `total` grouping (orders, units, views, cart adds). */
export interface ActivityTotals {
  orders: number;
  units: number;
  views: number;
  cartAdds: number;
}

export function emptyTotals(): ActivityTotals {
  return { orders: 0, units: 0, views: 0, cartAdds: 0 };
}

/** Adds one on-time event, with aggregation's definitions (docs/metrics-schema.md). */
export function addEvent(totals: ActivityTotals, event: PulseEvent): void {
  switch (event.type) {
    case EventType.OrderPlaced:
      totals.orders += 1;
      for (const line of event.data.lines) totals.units += line.quantity;
      return;
    case EventType.ProductViewed:
      totals.views += 1;
      return;
    case EventType.CartItemAdded:
      totals.cartAdds += 1;
      return;
    default:
      return;
  }
}

export function sumTotals(parts: readonly ActivityTotals[]): ActivityTotals {
  const sum = emptyTotals();
  for (const part of parts) {
    sum.orders += part.orders;
    sum.units += part.units;
    sum.views += part.views;
    sum.cartAdds += part.cartAdds;
  }
  return sum;
}

/** Events that count in the activity measurement: orders, views and cart adds. */
export function countedEvents(totals: ActivityTotals): number {
  return totals.orders + totals.views + totals.cartAdds;
}
