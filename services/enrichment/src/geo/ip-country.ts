import { lookup } from 'geoip-country';

/**
 * Country of an IP address from the GeoLite2 country data shipped inside the geoip-country
 * package (loaded into memory once; no network at install or run time). Null for private,
 * reserved and unknown ranges.
 */
export function countryOfIp(ip: string): string | null {
  return lookup(ip)?.country ?? null;
}
