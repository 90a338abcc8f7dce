/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds: delay-seconds (digits only) or an HTTP date
 * (then the time until it, at least 0). Anything else is undefined, so the caller falls back to
 * its own backoff: JavaScript's number and date parsers are too lenient for this header (they
 * read `0x10` as 16 and `1.5` as a date in 2001).
 */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP date form names the day and the month; a value without letters is no date.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
