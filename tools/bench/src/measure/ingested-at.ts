const MARKER = Buffer.from('"ingestedat":"');

/**
 * The `ingestedat` attribute of an encoded event (ms since the epoch), found without parsing the
 * JSON: the observer reads every enriched record at the full rate, and a full parse of each
 * would cost the shared CPU more than the measurement is worth. NaN when absent or malformed.
 */
export function ingestedAtOf(value: Buffer): number {
  const at = value.indexOf(MARKER);
  if (at < 0) return Number.NaN;
  const start = at + MARKER.length;
  const end = value.indexOf(0x22 /* " */, start);
  if (end < 0 || end - start > 40) return Number.NaN;
  return Date.parse(value.toString('latin1', start, end));
}
