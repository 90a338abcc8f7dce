import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { regionForCountry, REGIONS } from '@pulse/contracts';
import { parseCsvRecords, parseJsonArray } from '../reference/read-records';
import { CUSTOMERS, PRODUCTS } from '../reference/reference-kinds';
import { validateRecords } from '../reference/validate-records';
import { DEFAULT_SAMPLE, renderSampleData } from './generate';

const SAMPLE_DIR = join(__dirname, '../../../../deploy/sample-data');

describe('sample data', () => {
  const files = renderSampleData();

  it('is deterministic: the committed files are what the generator writes', () => {
    expect(readFileSync(join(SAMPLE_DIR, 'products.json'), 'utf8')).toBe(files.productsJson);
    expect(readFileSync(join(SAMPLE_DIR, 'customers.csv'), 'utf8')).toBe(files.customersCsv);
    expect(renderSampleData({ ...DEFAULT_SAMPLE, seed: 7 }).productsJson).not.toBe(files.productsJson);
  });

  it('holds a few hundred valid products across about ten categories', () => {
    const products = validateRecords(PRODUCTS, parseJsonArray(files.productsJson, 'products.json'));
    expect(products.invalid).toEqual([]);
    expect(products.duplicateIds).toEqual([]);
    expect(products.valid).toHaveLength(300);
    const categories = new Set(products.valid.map((product) => product.category));
    expect(categories.size).toBe(10);
    expect(products.valid.every((product) => product.currency === 'USD' && product.price > 0)).toBe(true);
    expect(new Set(products.valid.map((product) => product.name)).size).toBe(300);
  });

  it('holds a few thousand valid customers in every region and segment', () => {
    const customers = validateRecords(
      CUSTOMERS,
      parseCsvRecords(files.customersCsv, 'customers.csv', CUSTOMERS.csv),
    );
    expect(customers.invalid).toEqual([]);
    expect(customers.valid).toHaveLength(3000);
    const regions = new Set(customers.valid.map((customer) => regionForCountry(customer.country)));
    expect([...regions].sort()).toEqual(REGIONS.filter((region) => region !== 'unknown').sort());
    expect(new Set(customers.valid.map((customer) => customer.segment))).toEqual(
      new Set(['new', 'regular', 'vip', 'wholesale']),
    );
    const byCountry = (code: string) =>
      customers.valid.filter((customer) => customer.country === code).length;
    expect(byCountry('US')).toBeGreaterThan(byCountry('DE'));
    expect(byCountry('DE')).toBeGreaterThan(byCountry('PL'));
    const signups = customers.valid.map((customer) => Date.parse(customer.signupTime));
    const spanDays = (Math.max(...signups) - Math.min(...signups)) / 86_400_000;
    expect(spanDays).toBeGreaterThan(2.9 * 365);
    expect(Math.max(...signups)).toBeLessThanOrEqual(DEFAULT_SAMPLE.until.getTime());
  });
});
