import { packageOf, summarizeCpuProfile, type CpuProfile } from './cpu-profile-summary';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });

describe('packageOf', () => {
  it('names npm packages, scoped ones included, Node internals, GC and project folders', () => {
    expect(packageOf('file:///repo/node_modules/kafkajs/src/consumer/batch.js', 'f')).toBe('kafkajs');
    expect(packageOf('file:///repo/node_modules/@nestjs/core/x.js', 'f')).toBe('@nestjs/core');
    expect(packageOf('node:internal/streams/readable', 'f')).toBe('(node internals)');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(packageOf('file:///repo/dist/services/enrichment/src/enrich/enricher.js', 'enrich')).toBe(
      'services/enrichment',
    );
  });
});

describe('summarizeCpuProfile', () => {
  it('shares self time by package and function, leaving idle out', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 10_000_000,
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('decode', 'file:///r/node_modules/kafkajs/a.js') },
        { id: 4, callFrame: frame('parse', 'file:///r/node_modules/zod/b.js') },
      ],
      samples: [2, 2, 2, 2, 2, 2, 3, 3, 3, 4],
    };
    const summary = summarizeCpuProfile(profile);
    expect(summary.busyMs).toBeCloseTo(4_000);
    expect(summary.byPackage).toEqual([
      { name: 'kafkajs', share: 0.75 },
      { name: 'zod', share: 0.25 },
    ]);
    expect(summary.topFunctions[0]).toEqual({ name: 'decode kafkajs:10', share: 0.75 });
  });
});
