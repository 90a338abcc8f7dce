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
      // A well-formed code Intl does not know: two decimals, the ISO 4217 default.
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/**
 * A unit price in major units as an exact integer of minor units, rounded half away from zero
 * to the currency's minor unit (19.99 USD → 1999, 1500.4 JPY → 1500).
 */
export function toMinorUnits(amount: number, currency: string): number {
  const scaled = amount * 10 ** minorUnitDigits(currency);
  // Binary floats put 1.005 * 100 at 100.49999…; nudge by a relative epsilon before rounding.
  return Math.sign(scaled) * Math.round(Math.abs(scaled) * (1 + Number.EPSILON));
}

/** Minor units as the major-unit number (1999 → 19.99), for the float field beside the exact one. */
export function toMajorUnits(minor: number, currency: string): number {
  const digits = minorUnitDigits(currency);
  return Number((minor / 10 ** digits).toFixed(digits));
}
