import { z } from 'zod';

const instant = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

/** How complete a row is: its windows, whether they are final, and the watermark they were computed at. */
const completenessShape = {
  windowStart: instant.describe('start of the (first) window, inclusive'),
  windowEnd: instant.describe('end of the (last) window, exclusive'),
  final: z
    .boolean()
    .describe(
      'true once every partition’s watermark (newest event time − allowed lateness) passed windowEnd: the numbers will not change',
    ),
  watermark: instant.nullable().describe('the lowest partition watermark the numbers were computed at'),
};

export const currencyRevenueSchema = z.object({
  currency: z.string().describe('ISO 4217 code; revenue is never summed across currencies'),
  amount: z.number().describe('revenue in major units (e.g. 19.99)'),
  amountMinor: z.number().int().describe('the exact revenue in minor units (e.g. 1999)'),
  orders: count.describe('orders paid in this currency'),
  averageOrderValue: z.number().nullable().describe('amount ÷ orders, rounded to the minor unit'),
});
export type CurrencyRevenue = z.infer<typeof currencyRevenueSchema>;

export const salesRowSchema = z.object({
  ...completenessShape,
  category: z.string().optional().describe('present when grouped by category'),
  region: z.string().optional().describe('present when grouped by region'),
  orders: count.describe('orders (an order counts once in each category it has lines in)'),
  units: count,
  uniqueCustomers: count.describe('distinct ordering customers in the window (exact)'),
  views: count,
  cartAdds: count,
  viewToOrderConversion: z.number().nullable().describe('orders ÷ views; null without views'),
  revenue: z.array(currencyRevenueSchema),
});
export type SalesRow = z.infer<typeof salesRowSchema>;

export const productRevenueSchema = currencyRevenueSchema.omit({ averageOrderValue: true });
export type ProductRevenue = z.infer<typeof productRevenueSchema>;

export const topProductRowSchema = z.object({
  rank: z.number().int().positive(),
  productId: z.string(),
  category: z.string(),
  ...completenessShape,
  units: count,
  orders: count.describe('orders containing the product'),
  revenue: z.array(productRevenueSchema),
});
export type TopProductRow = z.infer<typeof topProductRowSchema>;

export const funnelRowSchema = z.object({
  ...completenessShape,
  category: z.string().optional(),
  region: z.string().optional(),
  views: count,
  cartAdds: count,
  orders: count,
  viewToCart: z.number().nullable(),
  cartToOrder: z.number().nullable(),
  viewToOrder: z.number().nullable(),
});
export type FunnelRow = z.infer<typeof funnelRowSchema>;

export type Completeness = Pick<SalesRow, 'final' | 'watermark'>;

export const reportSchema = <T extends z.ZodType>(row: T) =>
  z.object({
    query: z.record(z.string(), z.unknown()).describe('the parameters as understood (defaults filled in)'),
    rows: z.array(row),
  });
