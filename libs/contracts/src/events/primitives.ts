import { z } from 'zod';

/** Trimmed, non-empty identifier of bounded length. */
export const identifier = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters');

/**
 * The ISO 4217 codes of currencies in use (the runtime's ICU data). Any three letters would
 * let a client mint thousands of currencies, each one more series in every grouping.
 */
const CURRENCIES_IN_USE: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** ISO 4217 code of a currency in use; normalised to upper case. */
export const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
  // Only asked of well-formed codes: a malformed one gets the message above, not both.
  .refine(
    (code) => !/^[A-Z]{3}$/.test(code) || CURRENCIES_IN_USE.has(code),
    'must be the ISO 4217 code of a currency in use, such as USD',
  );

/** ISO 3166-1 alpha-2 country code; normalised to upper case. */
export const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE');

/** RFC 3339 timestamp with an explicit offset. */
export const rfc3339 = z.iso.datetime({
  offset: true,
  message: 'must be an RFC 3339 timestamp with a time zone',
});

export const positiveQuantity = z
  .number()
  .int('must be a whole number')
  .positive('must be greater than 0')
  .max(1_000_000, 'must be at most 1000000');

export const money = z
  .number()
  .nonnegative('must not be negative')
  .max(1e9, 'must be at most 1000000000')
  .refine(Number.isFinite, 'must be a finite number');
