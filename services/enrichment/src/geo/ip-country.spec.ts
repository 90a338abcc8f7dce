import { countryOfIp } from './ip-country';

describe('countryOfIp (GeoLite2 data shipped in geoip-country)', () => {
  it.each([
    ['8.8.8.8', 'US'],
    ['2001:4860:4860::8888', 'US'],
    ['81.2.69.142', 'GB'],
    ['::ffff:8.8.8.8', 'US'],
  ])('%s is in %s', (ip, country) => {
    expect(countryOfIp(ip)).toBe(country);
  });

  it.each(['10.0.0.1', '127.0.0.1', '192.168.1.1', '::1', 'not-an-ip'])('has no country for %s', (ip) => {
    expect(countryOfIp(ip)).toBeNull();
  });
});
