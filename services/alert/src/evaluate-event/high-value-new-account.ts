import type { EnrichedEvent, OrderPlacedEvent } from '@pulse/contracts';
import type { Observation } from '../lifecycle/lifecycle';
import type { HighValueNewAccountRule } from '../rules/rule-schema';
import { formatAmount, formatWindowLabel } from '../evaluate-series/baseline';
import { orderValue } from './order-history';

/**
 * An order worth more than minOrderValue from an account younger than maxAccountAge at the
 * order's time. Only a match is an observation: an ordinary order says nothing about the alert,
 * which resolves `holdFor` after it fired.
 */
export function evaluateHighValueNewAccount(
  rule: HighValueNewAccountRule,
  event: OrderPlacedEvent & Pick<EnrichedEvent, 'enrichment'>,
): Observation | null {
  const signupTime = event.enrichment.customer?.signupTime;
  if (signupTime === undefined) return null;
  if (rule.currency !== undefined && event.data.currency !== rule.currency) return null;
  const value = orderValue(event);
  const ageMs = Date.parse(event.time) - Date.parse(signupTime);
  if (!(value > rule.minOrderValue) || !(ageMs < rule.maxAccountAge)) return null;
  return {
    rule,
    identity: { customer: event.customerid },
    active: true,
    canResolve: false,
    value,
    threshold: rule.minOrderValue,
    window: null,
    triggerEventTime: event.time,
    summary:
      `Order ${event.data.orderId} of ${formatAmount(value)} ${event.data.currency} from customer ` +
      `${event.customerid}, whose account is ${describeAge(ageMs)} old (limit ${formatAmount(rule.minOrderValue)} ` +
      `for accounts younger than ${formatWindowLabel(rule.maxAccountAge)})`,
  };
}

function describeAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} days`;
}
