import { EventType, type OrderPlacedEvent, type EnrichedEvent } from '@pulse/contracts';
import { enrichedOrder, ruleOf } from '../testing/fixtures';
import { evaluateHighValueNewAccount } from './high-value-new-account';

const T = Date.parse('2026-11-24T12:00:00.000Z');
const HOUR = 3_600_000;
const rule = ruleOf('high_value_new_account', { minOrderValue: 1000, maxAccountAge: '24h' });

function order(amount: number, signupTime: number | null, currency = 'USD') {
  const event = enrichedOrder({ customer: 'c-9', time: T, amount, signupTime, currency });
  if (event.type !== EventType.OrderPlaced) throw new Error('not an order');
  return event as OrderPlacedEvent & Pick<EnrichedEvent, 'enrichment'>;
}

describe('high-value new account', () => {
  it('fires for a large order from a young account', () => {
    expect(evaluateHighValueNewAccount(rule, order(1000.01, T - 2 * HOUR))).toMatchObject({
      active: true,
      value: 1000.01,
      threshold: 1000,
      identity: { customer: 'c-9' },
      triggerEventTime: new Date(T).toISOString(),
      summary: expect.stringContaining('account is 2 h old'),
    });
  });

  it('does not fire at exactly the order value limit', () => {
    expect(evaluateHighValueNewAccount(rule, order(1000, T - 2 * HOUR))).toBeNull();
  });

  it('does not fire for an account exactly as old as the limit, or older', () => {
    expect(evaluateHighValueNewAccount(rule, order(5000, T - 24 * HOUR))).toBeNull();
    expect(evaluateHighValueNewAccount(rule, order(5000, T - 400 * HOUR))).toBeNull();
  });

  it('says nothing without customer data or in another currency than the rule’s', () => {
    expect(evaluateHighValueNewAccount(rule, order(5000, null))).toBeNull();
    const usdOnly = ruleOf('high_value_new_account', {
      minOrderValue: 1000,
      maxAccountAge: '24h',
      currency: 'USD',
    });
    expect(evaluateHighValueNewAccount(usdOnly, order(5000, T - HOUR, 'JPY'))).toBeNull();
  });
});
