const digitsCache = new Map<string, number>();

/** Decimal places of a currency's minor unit (ISO 4217 via Intl): USD 2, JPY 0, BHD 3. */
export function minorUnitDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/**
 * An amount in major units (19.99) as an exact integer of minor units (1999), rounded half away
 * from zero — the same rule as aggregation (binary floats put 1.005 * 100 at 100.4999…, hence
 * the relative nudge before rounding).
 */
export function toMinorUnits(amount: number, currency: string): number {
  const scaled = amount * 10 ** minorUnitDigits(currency);
  return Math.sign(scaled) * Math.round(Math.abs(scaled) * (1 + Number.EPSILON));
}

/** Minor units back to the major-unit number a client sends (1999 → 19.99). */
export function fromMinorUnits(minor: number, currency: string): number {
  const digits = minorUnitDigits(currency);
  return Number((minor / 10 ** digits).toFixed(digits));
}
