import fc from 'fast-check';
import { FingerprintTable, fingerprintOf } from './id-fingerprints';

type Operation =
  { kind: 'set'; key: number; tag: number } | { kind: 'drop'; tag: number } | { kind: 'get'; key: number };

/**
 * Fingerprints whose home slots (in the first capacity, 1,024) crowd into the 9 slots around the
 * end of the table: long probe runs that wrap around, so drops must shift entries back.
 */
function fingerprintOfKey(key: number): [number, number] {
  return [0, ((1_018 + (key % 9)) & 1_023) | (key << 10)];
}

describe('fingerprintOf', () => {
  it('is stable for one seed and differs between seeds and ids', () => {
    expect(fingerprintOf('evt-order-0001', 7)).toEqual(fingerprintOf('evt-order-0001', 7));
    expect(fingerprintOf('evt-order-0001', 7)).not.toEqual(fingerprintOf('evt-order-0001', 8));
    expect(fingerprintOf('evt-order-0001', 7)).not.toEqual(fingerprintOf('evt-order-0002', 7));
    expect(fingerprintOf('', 7)).not.toEqual(fingerprintOf('\u0000', 7));
  });

  it('gives 200,000 distinct sequential ids as many distinct fingerprints', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i += 1) {
      const [hi, lo] = fingerprintOf(`evt-${i}`, 42);
      seen.add(`${hi}:${lo}`);
    }
    expect(seen.size).toBe(200_000);
  });
});

describe('FingerprintTable', () => {
  it('behaves like a Map under any sequence of sets, drops of old tags and gets', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(60), tag: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('drop' as const), tag: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.nat(60) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { minLength: 500, maxLength: 3_000 }), (operations: Operation[]) => {
        const table = new FingerprintTable();
        const model = new Map<number, number>();
        for (const operation of operations) {
          if (operation.kind === 'drop') {
            table.deleteTaggedAtMost(operation.tag);
            for (const [key, tag] of model) if (tag <= operation.tag) model.delete(key);
          } else if (operation.kind === 'set') {
            table.set(...fingerprintOfKey(operation.key), operation.tag);
            model.set(operation.key, operation.tag);
          } else {
            expect(table.get(...fingerprintOfKey(operation.key))).toBe(model.get(operation.key) ?? 0);
          }
          expect(table.size).toBe(model.size);
        }
        for (let key = 0; key <= 60; key += 1)
          expect(table.get(...fingerprintOfKey(key))).toBe(model.get(key) ?? 0);
      }),
      { numRuns: 200 },
    );
  });

  it('grows past its first capacity and shrinks back once emptied, keeping every entry', () => {
    const table = new FingerprintTable();
    const initialBytes = table.byteLength;
    const count = 50_000;
    for (let i = 0; i < count; i += 1) table.set(...fingerprintOf(`id-${i}`, 1), (i % 9) + 1);
    expect(table.size).toBe(count);
    expect(table.byteLength).toBeGreaterThan(initialBytes);
    // 12 bytes per slot at a load of at least 3/8.
    expect(table.byteLength).toBeLessThanOrEqual((count * 12 * 8) / 3);
    for (let i = 0; i < count; i += 1) expect(table.get(...fingerprintOf(`id-${i}`, 1))).toBe((i % 9) + 1);
    table.deleteTaggedAtMost(9);
    expect(table.size).toBe(0);
    expect(table.byteLength).toBe(initialBytes);
    expect(table.get(...fingerprintOf('id-1', 1))).toBe(0);
  });

  it('keeps an entry stored again under a newer tag when the older tag is dropped', () => {
    const table = new FingerprintTable();
    table.set(1, 2, 3);
    table.set(1, 2, 4);
    table.deleteTaggedAtMost(3);
    expect(table.get(1, 2)).toBe(4);
  });

  it('drops every entry tagged at most a given tag in one pass, keeping the newer ones findable', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.nat(5_000), tag: fc.integer({ min: 1, max: 12 }) }), {
          minLength: 1,
          maxLength: 4_000,
        }),
        fc.integer({ min: 0, max: 12 }),
        (entries, cutoff) => {
          const table = new FingerprintTable();
          const model = new Map<number, number>();
          for (const { key, tag } of entries) {
            table.set(...fingerprintOfKey(key), tag);
            model.set(key, tag);
          }
          table.deleteTaggedAtMost(cutoff);
          for (const [key, tag] of model) if (tag <= cutoff) model.delete(key);
          expect(table.size).toBe(model.size);
          for (let key = 0; key <= 5_000; key += 1)
            expect(table.get(...fingerprintOfKey(key))).toBe(model.get(key) ?? 0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('shrinks after a pass that dropped most entries', () => {
    const table = new FingerprintTable();
    for (let i = 0; i < 50_000; i += 1) table.set(...fingerprintOf(`id-${i}`, 1), i < 49_000 ? 1 : 2);
    const grown = table.byteLength;
    table.deleteTaggedAtMost(1);
    expect(table.size).toBe(1_000);
    expect(table.byteLength).toBeLessThanOrEqual(grown / 16);
    // 12 bytes per slot at a load of at least 1/8.
    expect(table.byteLength).toBeLessThanOrEqual(1_000 * 12 * 8);
    for (let i = 49_000; i < 50_000; i += 1) expect(table.get(...fingerprintOf(`id-${i}`, 1))).toBe(2);
  });

  it('refuses a tag it could not tell from an empty slot', () => {
    const table = new FingerprintTable();
    expect(() => table.set(1, 2, 0)).toThrow(RangeError);
    expect(() => table.set(1, 2, 2 ** 31)).toThrow(RangeError);
  });
});
