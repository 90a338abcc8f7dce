import { z } from 'zod';
import { currencyCode, rfc3339 } from '../events/primitives';
import { REGIONS } from '../events/enriched';
import { toValidationIssues, type ValidationIssue } from '../events/validation';
import { windowLabel } from '../metrics/window-label';

/*
 * The query parameters of reporting's report endpoints. They live here, not in reporting, so that
 * anything that links to a report (the alert service's notifications) is checked against the
 * same parsing.
 */

export type ReportDimension = 'category' | 'region';

export const GROUP_BY_VALUES = ['total', 'category', 'region', 'category,region'] as const;
const GROUP_BY_DIMENSIONS: Record<string, readonly ReportDimension[]> = {
  total: [],
  category: ['category'],
  region: ['region'],
  'category,region': ['category', 'region'],
  'region,category': ['category', 'region'],
};

export interface ReportLimits {
  /** Window sizes aggregation writes, smallest first. */
  readonly windowsMs: readonly number[];
  readonly maxRangeMs: number;
  readonly maxWindows: number;
  readonly defaultCurrency: string;
}

export interface RangeParams {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ReportFilters {
  readonly category?: string;
  readonly region?: string;
}

export interface SalesParams extends RangeParams, ReportFilters {
  readonly intervalMs: number;
  readonly groupBy: readonly ReportDimension[];
  readonly currency?: string;
}

export interface TopProductsParams extends RangeParams {
  readonly limit: number;
  readonly by: 'revenue' | 'units';
  readonly currency: string;
}

export type FunnelParams = RangeParams & ReportFilters;

/** Request parameters that fail validation: answered 400 with every problem and its parameter. */
export class InvalidReportParameters extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'InvalidReportParameters';
  }
}

/**
 * C0 and C1 control characters and DEL. No tag value holds one (line protocol cannot carry a
 * newline), and InfluxQL refuses a newline inside a string literal: the query would fail (5xx)
 * instead of the request (400).
 */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/** A free-text filter. Checked before trimming, so a trailing newline is refused too. */
const text = z
  .string()
  .refine((value) => !hasControlCharacter(value), 'must not contain control characters (such as a newline)')
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters');
const range = { from: rfc3339, to: rfc3339 };
const filters = {
  category: text.optional(),
  region: z.enum(REGIONS, { message: `must be one of ${REGIONS.join(', ')}` }).optional(),
};

/** Adds an issue and returns false when the range is empty or too long. */
function checkRange(
  input: { from: string; to: string },
  limits: ReportLimits,
  ctx: z.RefinementCtx,
): boolean {
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  if (to <= from) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    return false;
  }
  if (to - from > limits.maxRangeMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `the range may cover at most ${windowLabel(limits.maxRangeMs)}`,
    });
    return false;
  }
  return true;
}

function parse<T>(schema: z.ZodType<T>, query: unknown): T {
  const result = schema.safeParse(query ?? {});
  if (!result.success) throw new InvalidReportParameters(toValidationIssues(result.error));
  return result.data;
}

export function parseSalesParams(query: unknown, limits: ReportLimits): SalesParams {
  const labels = limits.windowsMs.map(windowLabel);
  const schema = z
    .strictObject({
      ...range,
      ...filters,
      interval: z
        .enum(labels as [string, ...string[]], {
          message: `must be one of ${labels.join(', ')} (the window sizes aggregated)`,
        })
        .optional(),
      groupBy: z
        .enum(Object.keys(GROUP_BY_DIMENSIONS) as [string, ...string[]], {
          message: `must be one of ${GROUP_BY_VALUES.join(', ')}`,
        })
        .default('total'),
      currency: currencyCode.optional(),
    })
    .superRefine((input, ctx) => {
      if (!checkRange(input, limits, ctx)) return;
      const intervalMs = limits.windowsMs[labels.indexOf(input.interval ?? (labels[0] as string))] as number;
      const windows = Math.ceil((Date.parse(input.to) - Date.parse(input.from)) / intervalMs);
      if (windows > limits.maxWindows) {
        ctx.addIssue({
          code: 'custom',
          path: ['interval'],
          message: `${windowLabel(intervalMs)} over this range is ${windows} windows, more than ${limits.maxWindows}: use a larger interval or a shorter range`,
        });
      }
    });
  const input = parse(schema, query);
  return {
    fromMs: Date.parse(input.from),
    toMs: Date.parse(input.to),
    intervalMs: limits.windowsMs[labels.indexOf(input.interval ?? (labels[0] as string))] as number,
    groupBy: GROUP_BY_DIMENSIONS[input.groupBy] as readonly ReportDimension[],
    ...(input.category === undefined ? {} : { category: input.category }),
    ...(input.region === undefined ? {} : { region: input.region }),
    ...(input.currency === undefined ? {} : { currency: input.currency }),
  };
}

export function parseTopProductsParams(query: unknown, limits: ReportLimits): TopProductsParams {
  const schema = z
    .strictObject({
      ...range,
      limit: z.coerce
        .number({ message: 'must be a whole number' })
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(100, 'must be at most 100')
        .default(10),
      by: z.enum(['revenue', 'units'], { message: 'must be revenue or units' }).default('revenue'),
      currency: currencyCode.optional(),
    })
    .superRefine((input, ctx) => void checkRange(input, limits, ctx));
  const input = parse(schema, query);
  return {
    fromMs: Date.parse(input.from),
    toMs: Date.parse(input.to),
    limit: input.limit,
    by: input.by,
    currency: input.currency ?? limits.defaultCurrency,
  };
}

export function parseFunnelParams(query: unknown, limits: ReportLimits): FunnelParams {
  const schema = z
    .strictObject({ ...range, ...filters })
    .superRefine((input, ctx) => void checkRange(input, limits, ctx));
  const input = parse(schema, query);
  return {
    fromMs: Date.parse(input.from),
    toMs: Date.parse(input.to),
    ...(input.category === undefined ? {} : { category: input.category }),
    ...(input.region === undefined ? {} : { region: input.region }),
  };
}
