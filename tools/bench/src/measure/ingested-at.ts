const INGESTED_AT = Buffer.from('"ingestedat":"');
const ENRICHED_AT = Buffer.from('"enrichedAt":"');

/**
 * The `ingestedat` attribute of an encoded event (ms since the epoch), found without parsing the
 * JSON: the observer reads every enriched record at the full rate, and a full parse of each
 * would cost the shared CPU more than the measurement is worth. NaN when absent or malformed.
 */
export function ingestedAtOf(value: Buffer): number {
  return timeAfter(value, INGESTED_AT);
}

/** `enrichment.enrichedAt`: when enrichment finished the event, before producing it. */
export function enrichedAtOf(value: Buffer): number {
  return timeAfter(value, ENRICHED_AT);
}

function timeAfter(value: Buffer, marker: Buffer): number {
  const at = value.indexOf(marker);
  if (at < 0) return Number.NaN;
  const start = at + marker.length;
  const end = value.indexOf(0x22 /* " */, start);
  if (end < 0 || end - start > 40) return Number.NaN;
  return Date.parse(value.toString('latin1', start, end));
}
