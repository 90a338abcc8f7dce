import type { Grouping } from '@pulse/contracts';

/** Which group of a window: the grouping and its dimension values (null where not grouped by). */
export interface GroupDims {
  readonly grouping: Grouping;
  readonly category: string | null;
  readonly region: string | null;
  readonly productId: string | null;
}

/** Sales in one currency: revenue in exact minor units, and the orders and units paid in it. */
export class CurrencyTotals {
  minor = 0;
  orders = 0;
  units = 0;
}

/** Late events that arrived while this window was the newest one (see docs/metrics-schema.md). */
export class LateTotals {
  events = 0;
  orders = 0;
  units = 0;
  views = 0;
  cartAdds = 0;
  readonly revenue = new Map<string, CurrencyTotals>();
}

/** Running totals of one group in one window. */
export class GroupTotals {
  orders = 0;
  units = 0;
  views = 0;
  cartAdds = 0;
  /** Distinct ordering customers; exact per partition, and partitions add up (keyed by customer). */
  customers: Set<string> | null = null;
  revenue: Map<string, CurrencyTotals> | null = null;
  /** Newest event time that changed the on-time totals. */
  lastEventTime = Number.NEGATIVE_INFINITY;
  late: LateTotals | null = null;

  constructor(readonly dims: GroupDims) {}

  /** True when any on-time event was counted (a group may hold late events only). */
  get hasOnTime(): boolean {
    return this.orders > 0 || this.views > 0 || this.cartAdds > 0;
  }

  get uniqueCustomers(): number {
    return this.customers?.size ?? 0;
  }
}

export function currencyTotals(map: Map<string, CurrencyTotals>, currency: string): CurrencyTotals {
  let totals = map.get(currency);
  if (totals === undefined) {
    totals = new CurrencyTotals();
    map.set(currency, totals);
  }
  return totals;
}
