import { z } from 'zod';
import { countryCode, currencyCode, identifier, money, rfc3339 } from '../events/primitives';

/** A catalogue entry on the compacted `reference.products` topic, keyed by id. */
export const productSchema = z.looseObject({
  id: identifier,
  name: z.string().trim().min(1).max(256),
  category: z.string().trim().toLowerCase().min(1).max(64),
  price: money,
  currency: currencyCode,
  tags: z.array(z.string().trim().max(64)).max(32).default([]),
  stock: z.number().int().nonnegative(),
});
export type Product = z.infer<typeof productSchema>;

/** A customer on the compacted `reference.customers` topic, keyed by id. */
export const customerSchema = z.looseObject({
  id: identifier,
  segment: z.string().trim().toLowerCase().min(1).max(64),
  signupTime: rfc3339,
  country: countryCode,
});
export type Customer = z.infer<typeof customerSchema>;
