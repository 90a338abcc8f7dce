import { z } from 'zod';
import { REGIONS, currencyCode, rfc3339, toValidationIssues, type ValidationIssue } from '@pulse/contracts';
import { durationLiteral } from '../influx/influxql';

export type Dimension = 'category' | 'region';

export const GROUP_BY_VALUES = ['total', 'category', 'region', 'category,region'] as const;
const GROUP_BY_DIMENSIONS: Record<string, readonly Dimension[]> = {
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

export interface Filters {
  readonly category?: string;
  readonly region?: string;
}

export interface SalesParams extends RangeParams, Filters {
  readonly intervalMs: number;
  readonly groupBy: readonly Dimension[];
  readonly currency?: string;
}

export interface TopProductsParams extends RangeParams {
  readonly limit: number;
  readonly by: 'revenue' | 'units';
  readonly currency: string;
}

export type FunnelParams = RangeParams & Filters;

/** Request parameters that fail validation: answered 400 with every problem and its parameter. */
export class InvalidParameters extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'InvalidParameters';
  }
}

const text = z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
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
      message: `the range may cover at most ${durationLiteral(limits.maxRangeMs)}`,
    });
    return false;
  }
  return true;
}

function parse<T>(schema: z.ZodType<T>, query: unknown): T {
  const result = schema.safeParse(query ?? {});
  if (!result.success) throw new InvalidParameters(toValidationIssues(result.error));
  return result.data;
}

export function parseSalesParams(query: unknown, limits: ReportLimits): SalesParams {
  const labels = limits.windowsMs.map(durationLiteral);
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
          message: `${durationLiteral(intervalMs)} over this range is ${windows} windows, more than ${limits.maxWindows}: use a larger interval or a shorter range`,
        });
      }
    });
  const input = parse(schema, query);
  return {
    fromMs: Date.parse(input.from),
    toMs: Date.parse(input.to),
    intervalMs: limits.windowsMs[labels.indexOf(input.interval ?? (labels[0] as string))] as number,
    groupBy: GROUP_BY_DIMENSIONS[input.groupBy] as readonly Dimension[],
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
