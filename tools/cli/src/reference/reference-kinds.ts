import { customerSchema, productSchema, type Customer, type Product } from '@pulse/contracts';
import type { TopicNames } from '@pulse/kafka';
import type { z } from 'zod';
import type { CsvShape } from './read-records';

/** A kind of reference data: its schema, how its CSV is typed, and its compacted topic. */
export interface ReferenceKind<T extends { id: string }> {
  /** Plural, as in the options and messages: "products". */
  readonly name: 'products' | 'customers';
  readonly schema: z.ZodType<T>;
  readonly csv: CsvShape;
  topic(topics: TopicNames): string;
}

export const PRODUCTS: ReferenceKind<Product> = {
  name: 'products',
  schema: productSchema,
  csv: { numbers: ['price', 'stock'], lists: ['tags'] },
  topic: (topics) => topics.referenceProducts,
};

export const CUSTOMERS: ReferenceKind<Customer> = {
  name: 'customers',
  schema: customerSchema,
  csv: {},
  topic: (topics) => topics.referenceCustomers,
};
