import { toMajorUnits } from '@pulse/contracts';

/** Average order value in major units, rounded to the minor unit. */
export function averageOrderValue(minor: number, orders: number, currency: string): number | null {
  if (orders === 0) return null;
  // Round in minor units (exact integers), not on the binary float of the major amount.
  return toMajorUnits(Math.round(minor / orders), currency);
}

/** A ratio, or null when the denominator is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Number((numerator / denominator).toFixed(6));
}
