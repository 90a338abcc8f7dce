/** Above this many orders within a minute, a customer is suspicious (the fraud burst places 20). */
export const FRAUD_MAX_ORDERS = 10;
/** An order worth more than this (USD) from any account fires `big-order`: the traced order does. */
export const BIG_ORDER_USD = 50_000;

/**
 * The alert rules of the e2e deployment: event rules whose firing the ground truth predicts
 * exactly (window rules with baselines need hours of history, so they are left out here).
 * - fraud-velocity: only the fraud burst's customer orders more than 10 times a minute;
 * - stock-out: fires exactly for the products the generator drained to zero;
 * - big-order: no generated order comes near 50 000 USD; the tracing test's order does.
 */
export const E2E_RULES = [
  'rules:',
  '  - name: fraud-velocity',
  '    kind: fraud_velocity',
  '    severity: critical',
  `    maxOrders: ${FRAUD_MAX_ORDERS}`,
  '    within: 1m',
  '  - name: stock-out',
  '    kind: low_stock',
  '    severity: warning',
  '    threshold: 1',
  '    perWarehouse: false',
  '  - name: big-order',
  '    kind: high_value_new_account',
  '    severity: warning',
  `    minOrderValue: ${BIG_ORDER_USD}`,
  '    currency: USD',
  '    maxAccountAge: 36500d',
  '',
].join('\n');
