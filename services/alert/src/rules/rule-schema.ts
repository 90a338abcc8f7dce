import { parseDuration } from '@pulse/config';
import { ALERT_SEVERITIES } from '@pulse/contracts';
import { z } from 'zod';

/** A duration written like 30s, 10m, 1h or 7d, as milliseconds. */
const duration = z.string().transform((raw, ctx) => {
  try {
    const ms = parseDuration(raw);
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'must be a positive duration such as 30s, 10m, 1h or 7d' });
  return z.NEVER;
});

const ruleName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'must be 1-63 lower-case letters, digits, "-" or "_" (it becomes a NATS subject token)',
  );
const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a label name such as team or service_tier');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code such as USD');
const positiveInt = z.number().int('must be a whole number').positive('must be greater than 0');
const positive = z.number().positive('must be greater than 0');

const common = {
  name: ruleName,
  severity: z.enum(ALERT_SEVERITIES),
  /** Extra labels put on every alert of the rule (for routing, silences, display). */
  labels: z.record(labelName, z.string()).default({}),
  description: z.string().optional(),
  /** Alerts of one group that fire within the group wait share one Slack message; default: the rule name. */
  group: z.string().min(1).optional(),
  /** Reminder while still firing; default PULSE_ALERT_REPEAT_INTERVAL. */
  repeatInterval: duration.optional(),
};

/** Dimensions a window rule can watch: `metrics.windowed` groupings other than per product. */
export const WINDOW_GROUPINGS = ['total', 'category', 'region', 'category_region'] as const;
export type WindowGrouping = (typeof WINDOW_GROUPINGS)[number];

const windowSeries = (defaultGrouping: WindowGrouping) => ({
  groupBy: z.enum(WINDOW_GROUPINGS).default(defaultGrouping),
  /** Which window size of `metrics.windowed` to watch. */
  window: duration.default(60_000),
  /** EWMA baseline over this many previous windows. */
  baselineWindows: positiveInt.max(1_000).default(12),
  /** The rule stays quiet until this many earlier windows exist (a new category has no baseline). */
  minBaselineWindows: positiveInt.optional(),
  /** EWMA smoothing factor; default 2 / (baselineWindows + 1). */
  smoothing: z.number().gt(0, 'must be greater than 0').max(1, 'must be at most 1').optional(),
});

export const revenueSpikeRule = z.strictObject({
  ...common,
  kind: z.literal('revenue_spike'),
  ...windowSeries('category'),
  /** Fires when revenue > factor × baseline … */
  factor: positive,
  /** … and revenue > minRevenue (major units of the currency): quiet hours never page anyone. */
  minRevenue: z.number().nonnegative('must not be negative').default(0),
  /** Only these currencies (each currency is its own series); default all. */
  currencies: z.array(currency).min(1).optional(),
});

export const orderDropRule = z.strictObject({
  ...common,
  kind: z.literal('order_drop'),
  ...windowSeries('total'),
  /** Fires when orders < factor × baseline in `consecutiveWindows` finished windows in a row. */
  factor: positive.max(1, 'must be at most 1 (a drop compares with a fraction of the baseline)'),
  consecutiveWindows: positiveInt.max(100).default(3),
  /** Below this baseline (orders per window) the rule stays quiet: a drop from 2 to 0 is noise. */
  minBaselineOrders: z.number().nonnegative('must not be negative').default(1),
});

export const fraudVelocityRule = z.strictObject({
  ...common,
  kind: z.literal('fraud_velocity'),
  /** Fires when one customer places more than maxOrders orders within `within` … */
  maxOrders: positiveInt.optional(),
  /** … or orders worth more than maxValue (per currency, major units) within `within`. */
  maxValue: positive.optional(),
  currency: currency.optional(),
  within: duration.default(600_000),
});

export const highValueNewAccountRule = z.strictObject({
  ...common,
  kind: z.literal('high_value_new_account'),
  /** Fires for an order worth more than this (major units of its currency) … */
  minOrderValue: positive,
  currency: currency.optional(),
  /** … from an account younger than this at the order's time. */
  maxAccountAge: duration,
  /** The alert resolves this long after it fired. */
  holdFor: duration.default(3_600_000),
});

export const lowStockRule = z.strictObject({
  ...common,
  kind: z.literal('low_stock'),
  /** Fires while a product's stock is below this. */
  threshold: positiveInt,
  /** Only these products; default all. */
  products: z.array(z.string().min(1)).min(1).optional(),
  /** Alert per warehouse (when events name one) instead of per product. */
  perWarehouse: z.boolean().default(true),
});

export const dataQualityRule = z.strictObject({
  ...common,
  kind: z.literal('data_quality'),
  /** The rates are averaged over this long. */
  window: duration.default(300_000),
  /** Fires when more events than this per minute reach `dead-letter`. */
  maxDeadLetteredPerMinute: z.number().nonnegative('must not be negative').optional(),
  /** Fires when more late events than this per minute arrive (metrics.windowed late counters). */
  maxLatePerMinute: z.number().nonnegative('must not be negative').optional(),
  /** Which window size of metrics.windowed carries the late counters. */
  metricsWindow: duration.default(60_000),
});

const ruleSchema = z
  .discriminatedUnion('kind', [
    revenueSpikeRule,
    orderDropRule,
    fraudVelocityRule,
    highValueNewAccountRule,
    lowStockRule,
    dataQualityRule,
  ])
  .superRefine((rule, ctx) => {
    if (rule.kind === 'fraud_velocity' && rule.maxOrders === undefined && rule.maxValue === undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxOrders'], message: 'set maxOrders, maxValue or both' });
    }
    if (
      rule.kind === 'data_quality' &&
      rule.maxDeadLetteredPerMinute === undefined &&
      rule.maxLatePerMinute === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxDeadLetteredPerMinute'],
        message: 'set maxDeadLetteredPerMinute, maxLatePerMinute or both',
      });
    }
    if (
      (rule.kind === 'revenue_spike' || rule.kind === 'order_drop') &&
      rule.minBaselineWindows !== undefined &&
      rule.minBaselineWindows > rule.baselineWindows
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['minBaselineWindows'],
        message: `must be at most baselineWindows (${rule.baselineWindows})`,
      });
    }
  });

export const rulesFileSchema = z
  .strictObject({
    rules: z.array(ruleSchema),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.rules.forEach((rule, index) => {
      const first = seen.get(rule.name);
      if (first === undefined) seen.set(rule.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'name'],
          message: `duplicates rules[${first}].name`,
        });
    });
  });

export type Rule = z.output<typeof ruleSchema>;
export type RuleKind = Rule['kind'];
export type RuleOfKind<K extends RuleKind> = Extract<Rule, { kind: K }>;
export type RevenueSpikeRule = RuleOfKind<'revenue_spike'>;
export type OrderDropRule = RuleOfKind<'order_drop'>;
export type FraudVelocityRule = RuleOfKind<'fraud_velocity'>;
export type HighValueNewAccountRule = RuleOfKind<'high_value_new_account'>;
export type LowStockRule = RuleOfKind<'low_stock'>;
export type DataQualityRule = RuleOfKind<'data_quality'>;
export type WindowRule = RevenueSpikeRule | OrderDropRule;
