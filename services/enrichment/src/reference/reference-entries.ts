import type { Customer, Product, ProductInfo } from '@pulse/contracts';

/** A product as enrichment keeps it: the info block it adds to events, built once per update. */
export interface ProductEntry {
  readonly product: Product;
  readonly info: Readonly<ProductInfo>;
}

/** A customer with the signup time parsed once, for the per-event account age. */
export interface CustomerEntry {
  readonly customer: Customer;
  readonly signupMs: number;
}

export function productEntry(product: Product): ProductEntry {
  return {
    product,
    info: Object.freeze({ name: product.name, category: product.category, tags: product.tags }),
  };
}

export function customerEntry(customer: Customer): CustomerEntry {
  return { customer, signupMs: Date.parse(customer.signupTime) };
}

/** Where enrichment looks reference data up; the Kafka-backed tables in the service, maps in tests. */
export interface ReferenceLookup {
  product(id: string): ProductEntry | undefined;
  customer(id: string): CustomerEntry | undefined;
}
