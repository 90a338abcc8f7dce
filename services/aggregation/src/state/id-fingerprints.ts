/**
 * A 64-bit fingerprint of an event id: two 32-bit lanes mixed over every UTF-16 unit of the id
 * (the scheme of cyrb53, keeping all 64 bits). Not cryptographic; `seed` varies it per process.
 */
export function fingerprintOf(id: string, seed: number): [hi: number, lo: number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < id.length; i += 1) {
    const unit = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ unit, 2654435761);
    h2 = Math.imul(h2 ^ unit, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 | 0, h2 | 0];
}

const SLOT = 3; // hi, lo, tag
const EMPTY = 0;
const MIN_CAPACITY = 1 << 10;

/**
 * A hash table from 64-bit fingerprints to a positive int32 tag, in one Int32Array (open
 * addressing, linear probing, deletion by backward shift: no tombstones). 12 bytes per slot at a
 * load of 3/8–3/4, against about 100 bytes per entry for a `Map` of id strings: the dedupe set
 * grows with the event rate times the dedupe horizon (docs/performance.md, "Aggregation's dedupe
 * set").
 */
export class FingerprintTable {
  private slots = new Int32Array(MIN_CAPACITY * SLOT);
  private mask = MIN_CAPACITY - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table itself. */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  /** The tag stored for the fingerprint, or 0 when absent. */
  get(hi: number, lo: number): number {
    const at = this.find(hi, lo);
    return at < 0 ? EMPTY : (this.slots[at * SLOT + 2] as number);
  }

  /** Stores `tag` (a positive int32) for the fingerprint, replacing any earlier tag. */
  set(hi: number, lo: number, tag: number): void {
    if (!Number.isInteger(tag) || tag <= 0 || tag > 0x7fffffff)
      throw new RangeError(`tag out of range: ${tag}`);
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
    const slots = this.slots;
    for (let at = this.home(hi, lo); ; at = (at + 1) & this.mask) {
      const base = at * SLOT;
      if (slots[base + 2] === EMPTY) {
        slots[base] = hi;
        slots[base + 1] = lo;
        slots[base + 2] = tag;
        this.count += 1;
        return;
      }
      if (slots[base] === hi && slots[base + 1] === lo) {
        slots[base + 2] = tag;
        return;
      }
    }
  }

  /**
   * Removes every entry whose tag is at most `tag`, in one pass over the slots: cheaper in memory
   * than remembering which fingerprints carry each tag (8 more bytes per entry).
   */
  deleteTaggedAtMost(tag: number): void {
    const slots = this.slots;
    for (let at = 0; at <= this.mask;) {
      const held = slots[at * SLOT + 2] as number;
      // A removal shifts a later entry into this slot, so the slot is looked at again.
      if (held !== EMPTY && held <= tag) this.removeAt(at);
      else at += 1;
    }
    this.shrinkToFit();
  }

  /** The slot holding the fingerprint, or -1. */
  private find(hi: number, lo: number): number {
    const slots = this.slots;
    for (let at = this.home(hi, lo); ; at = (at + 1) & this.mask) {
      const base = at * SLOT;
      if (slots[base + 2] === EMPTY) return -1;
      if (slots[base] === hi && slots[base + 1] === lo) return at;
    }
  }

  private removeAt(hole: number): void {
    const slots = this.slots;
    const mask = this.mask;
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    for (let at = (hole + 1) & mask; ; at = (at + 1) & mask) {
      const base = at * SLOT;
      if (slots[base + 2] === EMPTY) break;
      const home = this.home(slots[base] as number, slots[base + 1] as number);
      // The entry may fill the hole unless its home lies cyclically in (hole, at].
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        const holeBase = hole * SLOT;
        slots[holeBase] = slots[base] as number;
        slots[holeBase + 1] = slots[base + 1] as number;
        slots[holeBase + 2] = slots[base + 2] as number;
        hole = at;
      }
    }
    slots[hole * SLOT + 2] = EMPTY;
    this.count -= 1;
  }

  private shrinkToFit(): void {
    let capacity = this.mask + 1;
    while (this.count * 8 < capacity && capacity > MIN_CAPACITY) capacity /= 2;
    if (capacity !== this.mask + 1) this.resize(capacity);
  }

  private home(hi: number, lo: number): number {
    return (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity * SLOT);
    this.mask = capacity - 1;
    this.count = 0;
    for (let base = 0; base < old.length; base += SLOT) {
      const tag = old[base + 2] as number;
      if (tag !== EMPTY) this.set(old[base] as number, old[base + 1] as number, tag);
    }
  }
}
