import { readFileSync } from 'node:fs';

// The `baseline-stock` cell is only worth its figures if `kafkajs-stock` is the published package
// untouched while `kafkajs` carries Pulse's patch: patch-package must patch the one and not the other.
const source = (pkg: string, file: string) => readFileSync(require.resolve(`${pkg}/${file}`), 'utf8');

describe('the two kafkajs copies of the naive baseline', () => {
  it.each(['src/producer/groupMessagesPerPartition.js', 'src/network/requestQueue/index.js'])(
    '%s: patched in kafkajs, published in kafkajs-stock',
    (file) => {
      expect(source('kafkajs', file)).toContain('Pulse patch');
      expect(source('kafkajs-stock', file)).not.toContain('Pulse patch');
    },
  );

  it('are the same version', () => {
    const version = (pkg: string) => (JSON.parse(source(pkg, 'package.json')) as { version: string }).version;
    expect(version('kafkajs-stock')).toBe(version('kafkajs'));
  });
});
