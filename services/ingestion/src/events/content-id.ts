import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

/**
 * The id of an event sent without one, derived from what it says: the same event sent again
 * (a client retrying after a 503 or a timeout, not knowing whether the first attempt was kept)
 * gets the same id, so it counts once downstream. A UUID (version 8, RFC 9562) of the SHA-256 of
 * the validated event in canonical JSON (keys sorted), without the attributes ingestion stamps.
 * Two events alike in every attribute, time included, are one event; a client that means two
 * sends two ids.
 */
export function contentIdOf(event: Readonly<Record<string, unknown>>): string {
  const { id: _id, ingestedat: _ingestedat, ...content } = event;
  const digest = createHash('sha256')
    .update(stringify(content) ?? '')
    .digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x80; // version 8
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
