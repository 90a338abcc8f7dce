const digitsByCurrency = new Map<string, number>();

/** Decimal places of a currency's minor unit per ISO 4217 (via Intl): USD 2, JPY 0, BHD 3. */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** Exact minor units as major units (1999 → 19.99). */
export function toMajor(minor: number, currency: string): number {
  const digits = minorUnitDigits(currency);
  return Number((minor / 10 ** digits).toFixed(digits));
}

/** Average order value in major units, rounded to the minor unit. */
export function averageOrderValue(minor: number, orders: number, currency: string): number | null {
  if (orders === 0) return null;
  // Round in minor units (exact integers), not on the binary float of the major amount.
  return toMajor(Math.round(minor / orders), currency);
}

/** A ratio, or null when the denominator is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Number((numerator / denominator).toFixed(6));
}
