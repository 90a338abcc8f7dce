import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { Customer, Product } from '@pulse/contracts';
import { CATEGORIES, COUNTRY_WEIGHTS, SEGMENT_WEIGHTS, type CategorySpec } from './catalogue';

/**
 * The sample reference data in deploy/sample-data, generated deterministically: the same seed and
 * counts give byte-identical files, so the committed files can be checked against this code.
 */
export interface SampleDataOptions {
  seed: number;
  products: number;
  customers: number;
  /** Signup times lie in the 3 years before this instant (fixed, not "now", for determinism). */
  until: Date;
}

export const DEFAULT_SAMPLE: SampleDataOptions = {
  seed: 20261124,
  products: 300,
  customers: 3000,
  until: new Date('2026-11-01T00:00:00.000Z'),
};

const DAY_MS = 86_400_000;

/** Seeded random helpers over pure-rand's xoroshiro128+. */
export class SeededRandom {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  float(): number {
    return uniformFloat64(this.rng);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.float() * total;
    for (const [value, weight] of entries) {
      point -= weight;
      if (point < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  }

  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0)
      out.push(pool.splice(this.int(0, pool.length - 1), 1)[0] as T);
    return out;
  }
}

/** Prices end in .99 or .49, skewed towards the cheap end of the category's range. */
function price(random: SeededRandom, [low, high]: [number, number]): number {
  const skewed = low + (high - low) * random.float() ** 2;
  const whole = Math.max(1, Math.floor(skewed));
  return whole + (random.float() < 0.75 ? 0.99 : 0.49);
}

function productName(random: SeededRandom, category: CategorySpec, taken: Set<string>): string {
  for (;;) {
    const name = `${random.pick(category.brands)} ${random.pick(category.qualifiers)} ${random.pick(category.items)}`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

export function generateProducts(random: SeededRandom, count: number): Product[] {
  const weights = CATEGORIES.map((category) => [category, category.weight] as const);
  const names = new Set<string>();
  return Array.from({ length: count }, (_, index) => {
    const category = random.weighted(weights);
    const stock = random.float() < 0.05 ? 0 : random.int(1, random.float() < 0.2 ? 2000 : 250);
    return {
      id: `p-${String(index + 1).padStart(4, '0')}`,
      name: productName(random, category, names),
      category: category.name,
      price: price(random, category.price),
      currency: 'USD',
      tags: random.sample(category.tags, random.int(1, 3)).sort(),
      stock,
    };
  });
}

export function generateCustomers(random: SeededRandom, count: number, until: Date): Customer[] {
  const end = until.getTime();
  return Array.from({ length: count }, (_, index) => {
    // The first customers take each country once, so every country (and region) is present.
    const country =
      index < COUNTRY_WEIGHTS.length
        ? (COUNTRY_WEIGHTS[index] as readonly [string, number])[0]
        : random.weighted(COUNTRY_WEIGHTS);
    const segment = random.weighted(SEGMENT_WEIGHTS);
    // New customers signed up in the last 90 days; VIPs have been around for a while.
    const [minDays, maxDays] =
      segment === 'new' ? [0, 90] : segment === 'vip' ? [180, 3 * 365] : [30, 3 * 365];
    const signup = end - random.int(minDays * DAY_MS, maxDays * DAY_MS);
    return {
      id: `c-${String(index + 1).padStart(5, '0')}`,
      segment,
      signupTime: new Date(Math.floor(signup / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      country,
    };
  });
}

export interface SampleFiles {
  productsJson: string;
  customersCsv: string;
}

export function renderSampleData(options: SampleDataOptions = DEFAULT_SAMPLE): SampleFiles {
  const random = new SeededRandom(options.seed);
  const products = generateProducts(random, options.products);
  const customers = generateCustomers(random, options.customers, options.until);
  return {
    productsJson: `${JSON.stringify(products, null, 2)}\n`,
    customersCsv: stringify(customers, { header: true, columns: ['id', 'segment', 'signupTime', 'country'] }),
  };
}

export async function writeSampleData(
  directory: string,
  options: SampleDataOptions = DEFAULT_SAMPLE,
): Promise<string[]> {
  const files = renderSampleData(options);
  await mkdir(directory, { recursive: true });
  const productsPath = join(directory, 'products.json');
  const customersPath = join(directory, 'customers.csv');
  await writeFile(productsPath, files.productsJson);
  await writeFile(customersPath, files.customersCsv);
  return [productsPath, customersPath];
}
