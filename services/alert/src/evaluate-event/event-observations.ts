import { EventType, type EnrichedEvent } from '@pulse/contracts';
import type { Observation } from '../lifecycle/lifecycle';
import type { RuleSource } from '../rules/rule-book';
import { evaluateFraudVelocity } from './fraud-velocity';
import { evaluateHighValueNewAccount } from './high-value-new-account';
import { evaluateLowStock } from './low-stock';
import { orderValue, type OrderHistory } from './order-history';

/** Longest look-back of the fraud rules in effect: how long orders are kept per customer. */
export function orderHorizonMs(rules: RuleSource): number {
  return Math.max(0, ...rules.ofKind('fraud_velocity').map((rule) => rule.within));
}

/** Adds an order to the partition's recent orders when some rule looks back at orders. */
export function rememberOrder(
  event: EnrichedEvent,
  offset: string,
  orders: OrderHistory,
  rules: RuleSource,
): void {
  if (event.type !== EventType.OrderPlaced) return;
  const horizon = orderHorizonMs(rules);
  if (horizon === 0) return;
  orders.add(event.customerid, {
    id: event.id,
    time: Date.parse(event.time),
    offset: BigInt(offset),
    currency: event.data.currency,
    value: orderValue(event),
  });
  orders.prune(horizon);
}

/** What every event rule sees in one enriched event. */
export function observeEvent(event: EnrichedEvent, orders: OrderHistory, rules: RuleSource): Observation[] {
  const observations: Observation[] = [];
  if (event.type === EventType.OrderPlaced) {
    const order = { ...event, enrichment: event.enrichment };
    for (const rule of rules.ofKind('fraud_velocity')) {
      observations.push(
        evaluateFraudVelocity(rule, orders, event.customerid, Date.parse(event.time), event.time),
      );
    }
    for (const rule of rules.ofKind('high_value_new_account')) {
      const observation = evaluateHighValueNewAccount(rule, order);
      if (observation) observations.push(observation);
    }
  } else if (event.type === EventType.InventoryLevelChanged) {
    for (const rule of rules.ofKind('low_stock')) {
      const observation = evaluateLowStock(rule, { ...event, enrichment: event.enrichment });
      if (observation) observations.push(observation);
    }
  }
  return observations;
}
