import type { AlertEvent, EnrichedEvent, WindowedMetric } from '@pulse/contracts';
import { signalOfWindow } from '../forward-signal/signal';
import { SeriesStore } from '../evaluate-series/series-store';
import { rulesFileSchema, type Rule, type RuleKind, type RuleOfKind } from '../rules/rule-schema';

/** A rule as the rules file would give it (defaults filled in), for tests. */
export function ruleOf<K extends RuleKind>(kind: K, fields: Record<string, unknown>): RuleOfKind<K> {
  const parsed = rulesFileSchema.parse({
    rules: [{ name: `${kind.replace(/_/g, '-')}`, severity: 'warning', kind, ...fields }],
  });
  return parsed.rules[0] as RuleOfKind<K>;
}

export function rulesOf(...rules: Rule[]): Rule[] {
  return rules;
}

export const MINUTE = 60_000;

/** A window result of `metrics.windowed` for tests. */
export function windowResult(overrides: Partial<WindowedMetric> & { windowStartMs: number }): WindowedMetric {
  const { windowStartMs, ...rest } = overrides;
  const size = rest.windowSizeMs ?? MINUTE;
  return {
    windowStart: new Date(windowStartMs).toISOString(),
    windowEnd: new Date(windowStartMs + size).toISOString(),
    windowSizeMs: size,
    grouping: 'category',
    category: 'electronics',
    region: null,
    productId: null,
    sourcePartition: 0,
    revenue: {},
    revenueMinor: {},
    orders: 0,
    units: 0,
    uniqueCustomers: 0,
    views: 0,
    cartAdds: 0,
    final: true,
    watermark: new Date(windowStartMs + size).toISOString(),
    lastEventTime: new Date(windowStartMs + size - 1000).toISOString(),
    ...rest,
  };
}

let orderCounter = 0;

/** An enriched order event for tests. */
export function enrichedOrder(options: {
  customer: string;
  time: number;
  amount: number;
  currency?: string;
  signupTime?: number | null;
}): EnrichedEvent {
  orderCounter += 1;
  const signup = options.signupTime === undefined ? options.time - 365 * 24 * 3_600_000 : options.signupTime;
  return {
    specversion: '1.0',
    id: `order-${orderCounter}`,
    source: 'test',
    type: 'com.pulse.order.placed.v1',
    time: new Date(options.time).toISOString(),
    datacontenttype: 'application/json',
    customerid: options.customer,
    data: {
      orderId: `o-${orderCounter}`,
      currency: options.currency ?? 'USD',
      lines: [{ productId: 'p-1', quantity: 1, unitPrice: options.amount }],
    },
    enrichmentstatus: signup === null ? 'partial' : 'complete',
    enrichment: {
      status: signup === null ? 'partial' : 'complete',
      missing: signup === null ? ['customer'] : [],
      products: [{ name: 'Thing', category: 'electronics', tags: [] }],
      customer:
        signup === null
          ? null
          : {
              segment: 'new',
              signupTime: new Date(signup).toISOString(),
              accountAgeDays: Math.floor((options.time - signup) / 86_400_000),
            },
      geo: { country: 'DE', region: 'europe', source: 'event' },
      enrichedAt: new Date(options.time).toISOString(),
    },
  } as EnrichedEvent;
}

/** An enriched inventory event for tests. */
export function inventoryEvent(
  productId: string,
  stock: number,
  time: number,
  warehouse?: string,
): EnrichedEvent {
  return {
    specversion: '1.0',
    id: `inv-${productId}-${time}-${stock}`,
    source: 'test',
    type: 'com.pulse.inventory.level_changed.v1',
    time: new Date(time).toISOString(),
    datacontenttype: 'application/json',
    data: { productId, stock, ...(warehouse === undefined ? {} : { warehouse }) },
    enrichmentstatus: 'complete',
    enrichment: {
      status: 'complete',
      missing: [],
      products: [{ name: 'Widget', category: 'tools', tags: [] }],
      customer: null,
      geo: { country: null, region: 'unknown', source: 'none' },
      enrichedAt: new Date(time).toISOString(),
    },
  } as EnrichedEvent;
}

export function alertEvent(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    fingerprint: 'fp-1',
    rule: 'revenue-spike',
    kind: 'revenue_spike',
    severity: 'warning',
    state: 'firing',
    labels: { category: 'electronics', currency: 'USD' },
    summary: 'Revenue of category electronics: 1,000.00 USD',
    value: 1000,
    threshold: 300,
    window: { start: '2026-11-24T12:00:00.000Z', end: '2026-11-24T12:01:00.000Z' },
    startsAt: '2026-11-24T12:00:30.000Z',
    updatedAt: '2026-11-24T12:00:30.000Z',
    endsAt: null,
    triggerEventTime: '2026-11-24T12:00:29.000Z',
    sequence: 0,
    links: {},
    ...overrides,
  };
}

/** Feeds window results (in order) into a fresh series store, as the evaluator does. */
export function storeOf(results: WindowedMetric[]): SeriesStore {
  const store = new SeriesStore();
  results.forEach((result, index) => store.apply(signalOfWindow(result, String(index)), BigInt(index)));
  return store;
}
