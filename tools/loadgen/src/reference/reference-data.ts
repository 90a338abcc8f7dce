import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { customerSchema, productSchema, type Customer, type Product } from '@pulse/contracts';
import { z } from 'zod';

/** The catalogue and customers the generator shops with (the same files `reference load` loads). */
export interface ReferenceData {
  products: readonly Product[];
  customers: readonly Customer[];
}

export function parseProducts(json: string): Product[] {
  return z.array(productSchema).min(1, 'at least one product is needed').parse(JSON.parse(json));
}

export function parseCustomers(csv: string): Customer[] {
  const rows: unknown = parse(csv, { columns: true, skip_empty_lines: true, trim: true });
  return z.array(customerSchema).min(1, 'at least one customer is needed').parse(rows);
}

export function loadReferenceData(productsFile: string, customersFile: string): ReferenceData {
  return {
    products: withContext(productsFile, () => parseProducts(readFileSync(productsFile, 'utf8'))),
    customers: withContext(customersFile, () => parseCustomers(readFileSync(customersFile, 'utf8'))),
  };
}

function withContext<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    const reason = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
    throw new Error(`cannot read reference data from ${file}: ${reason}`);
  }
}
