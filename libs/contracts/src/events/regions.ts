import { countries, type TContinentCode } from 'countries-list';
import type { Region } from './enriched';

const REGION_OF_CONTINENT: Readonly<Record<TContinentCode, Region>> = {
  AF: 'africa',
  AN: 'antarctica',
  AS: 'asia',
  EU: 'europe',
  NA: 'north-america',
  OC: 'oceania',
  SA: 'south-america',
};

// Built once: enrichment calls this per event, so a lookup must not allocate.
const REGION_OF_COUNTRY: ReadonlyMap<string, Region> = new Map(
  Object.entries(countries).map(([code, country]) => [code, REGION_OF_CONTINENT[country.continent]]),
);

/**
 * The region of an ISO 3166-1 alpha-2 country code, from the main continent that the
 * `countries-list` dataset gives it (so transcontinental countries have exactly one region).
 * Unknown, empty or malformed codes give `unknown`. This is the only country → region mapping
 * in Pulse: enrichment and the load generator's ground truth both use it.
 */
export function regionForCountry(code: string | null | undefined): Region {
  if (code === null || code === undefined) return 'unknown';
  return REGION_OF_COUNTRY.get(code) ?? REGION_OF_COUNTRY.get(code.trim().toUpperCase()) ?? 'unknown';
}
