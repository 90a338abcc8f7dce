import { countries } from 'countries-list';
import { REGIONS } from './enriched';
import { regionForCountry } from './regions';

describe('regionForCountry', () => {
  it.each([
    ['US', 'north-america'],
    ['CA', 'north-america'],
    ['MX', 'north-america'],
    ['BR', 'south-america'],
    ['AR', 'south-america'],
    ['DE', 'europe'],
    ['GB', 'europe'],
    ['FR', 'europe'],
    ['JP', 'asia'],
    ['IN', 'asia'],
    ['CN', 'asia'],
    ['AU', 'oceania'],
    ['NZ', 'oceania'],
    ['NG', 'africa'],
    ['ZA', 'africa'],
    ['EG', 'africa'],
    ['AQ', 'antarctica'],
  ])('%s is in %s', (code, region) => {
    expect(regionForCountry(code)).toBe(region);
  });

  it('accepts lower-case and padded codes', () => {
    expect(regionForCountry('de')).toBe('europe');
    expect(regionForCountry(' jp ')).toBe('asia');
  });

  it.each([null, undefined, '', 'XX', 'ZZ', 'USA', 'D', '12'])('gives unknown for %p', (code) => {
    expect(regionForCountry(code)).toBe('unknown');
  });

  it('maps every country of the dataset to a known region other than unknown', () => {
    const regions = new Set(Object.keys(countries).map((code) => regionForCountry(code)));
    expect(regions.has('unknown')).toBe(false);
    for (const region of regions) expect(REGIONS).toContain(region);
    expect([...regions].sort()).toEqual(REGIONS.filter((region) => region !== 'unknown').sort());
  });
});
