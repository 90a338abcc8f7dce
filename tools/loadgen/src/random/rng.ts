import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * A seeded random source: the same seed gives the same sequence on every machine, so a run can
 * be repeated exactly. Each concern draws from its own stream (`fork`), so adding a draw in one
 * scenario does not shift the numbers every other scenario sees.
 */
export class Rng {
  private readonly generator: RandomGenerator;

  constructor(readonly seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
  }

  /** An independent stream derived from this seed and a label. */
  fork(label: string): Rng {
    let hash = this.seed | 0;
    for (const char of label) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
    return new Rng(hash ^ 0x5bd1e995);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.generator, from, to);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.next() * total;
    for (const [value, weight] of entries) {
      point -= weight;
      if (point < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error('cannot pick from an empty list');
    return last[0];
  }

  /** Index skewed towards the start (a few popular items, a long tail). */
  skewedIndex(length: number): number {
    return Math.min(length - 1, Math.floor(length * this.next() ** 2));
  }

  /** Waiting time of a Poisson process with `ratePerMs` events per millisecond. */
  exponential(ratePerMs: number): number {
    return -Math.log(1 - this.next()) / ratePerMs;
  }
}
