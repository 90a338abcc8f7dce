import type { Observation } from '../lifecycle/lifecycle';
import type { FraudVelocityRule } from '../rules/rule-schema';
import { formatAmount, formatWindowLabel } from '../evaluate-series/baseline';
import type { OrderHistory } from './order-history';

/**
 * Fraud velocity for one customer at time `at`: more than maxOrders orders, or more than maxValue
 * (in one currency) within `within` before it.
 */
export function evaluateFraudVelocity(
  rule: FraudVelocityRule,
  orders: OrderHistory,
  customer: string,
  at: number,
  triggerEventTime: string | null,
): Observation {
  const recent = orders.between(customer, at - rule.within, at);
  const valueByCurrency = new Map<string, number>();
  for (const mark of recent) {
    if (rule.currency !== undefined && mark.currency !== rule.currency) continue;
    valueByCurrency.set(mark.currency, (valueByCurrency.get(mark.currency) ?? 0) + mark.value);
  }
  const [topCurrency, topValue] = [...valueByCurrency].sort(([, a], [, b]) => b - a)[0] ?? [
    rule.currency ?? '',
    0,
  ];
  const tooMany = rule.maxOrders !== undefined && recent.length > rule.maxOrders;
  const tooMuch = rule.maxValue !== undefined && topValue > rule.maxValue;
  const byValue = !tooMany && (tooMuch || rule.maxOrders === undefined);
  const span = formatWindowLabel(rule.within);
  return {
    rule,
    identity: { customer },
    active: tooMany || tooMuch,
    canResolve: true,
    value: byValue ? topValue : recent.length,
    threshold: byValue ? (rule.maxValue ?? 0) : (rule.maxOrders ?? 0),
    window: null,
    triggerEventTime,
    summary: byValue
      ? `Customer ${customer} ordered ${formatAmount(topValue)} ${topCurrency} within ${span} ` +
        `(limit ${formatAmount(rule.maxValue ?? 0)}; ${recent.length} orders)`
      : `Customer ${customer} placed ${recent.length} orders within ${span} (limit ${rule.maxOrders}` +
        `${topValue > 0 ? `; ${formatAmount(topValue)} ${topCurrency}` : ''})`,
  };
}
