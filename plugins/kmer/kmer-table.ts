/**
 * An open-addressing hash table of k-mer counts keyed by 64-bit codes held as two 32-bit
 * halves, in one typed array (optionally SharedArrayBuffer-backed, so a worker can fill a
 * table the main thread owns). A slot is 4 int32s — high half, low half, count, unused — so
 * a probe touches one cache line, not three arrays. Halves are int32 bit patterns: plain
 * numbers above 2^31 would be heap doubles in V8 and slow the hot loop many times over.
 * The table grows by rehashing into one of twice the size.
 */
export interface KmerTable {
  /** `[hi, lo, count, 0]` per slot; count 0 marks an empty slot. Power-of-two slots. */
  slots: Int32Array;
  /** Occupied slots. */
  used: number;
}

const MAX_LOAD = 0.7;
const SLOT = 4;

export function createTable(capacity = 1 << 16, shared = false): KmerTable {
  const size = 2 ** Math.ceil(Math.log2(Math.max(16, capacity)));
  const bytes = size * SLOT * 4;
  return { slots: new Int32Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)), used: 0 };
}

/** Mixes a code into 32 well-spread bits (an int32). */
export function hashCode(hi: number, lo: number): number {
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ (lo >>> 16), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** Which of `partitions` owns a hash; independent of the slot bits (a further mix). */
export function partitionOf(hash: number, partitions: number): number {
  return ((Math.imul(hash ^ (hash >>> 16), 0x7feb352d) >>> 16) * partitions) >>> 16;
}

/** Adds one occurrence; returns the table, a new one when it had to grow. */
export function addKmer(table: KmerTable, hash: number, hi: number, lo: number): KmerTable {
  const slots = table.slots;
  const mask = (slots.length >> 2) - 1;
  let at = (hash & mask) << 2;
  for (;;) {
    const count = slots[at + 2]!;
    if (count === 0) {
      slots[at] = hi;
      slots[at + 1] = lo;
      slots[at + 2] = 1;
      return ++table.used > (mask + 1) * MAX_LOAD ? grow(table) : table;
    }
    if (slots[at + 1] === lo && slots[at] === hi) {
      slots[at + 2] = count + 1;
      return table;
    }
    at = (at + SLOT) & ((mask << 2) | 3);
  }
}

function grow(table: KmerTable): KmerTable {
  const old = table.slots;
  const next = createTable((old.length / SLOT) * 2, old.buffer instanceof SharedArrayBuffer);
  const slots = next.slots;
  const mask = (slots.length >> 2) - 1;
  for (let i = 0; i < old.length; i += SLOT) {
    if (old[i + 2] === 0) continue;
    let at = (hashCode(old[i]!, old[i + 1]!) & mask) << 2;
    while (slots[at + 2] !== 0) at = (at + SLOT) & ((mask << 2) | 3);
    slots[at] = old[i]!;
    slots[at + 1] = old[i + 1]!;
    slots[at + 2] = old[i + 2]!;
  }
  next.used = table.used;
  return next;
}

/** Entries counted at least `minCount` times, in ascending code order (= k-mer order). */
export interface SortedCounts {
  hi: Int32Array;
  lo: Int32Array;
  counts: Uint32Array;
}

/** Extracts and sorts the entries of a table of codes of `bits` bits (2k). */
export function sortedCounts(table: KmerTable, minCount: number, bits: number): SortedCounts {
  const slots = table.slots;
  let n = 0;
  for (let i = 2; i < slots.length; i += SLOT) if (slots[i]! >>> 0 >= minCount) n++;
  let out: SortedCounts = { hi: new Int32Array(n), lo: new Int32Array(n), counts: new Uint32Array(n) };
  for (let i = 0, j = 0; i < slots.length; i += SLOT) {
    const count = slots[i + 2]! >>> 0;
    if (count === 0 || count < minCount) continue;
    out.hi[j] = slots[i]!;
    out.lo[j] = slots[i + 1]!;
    out.counts[j++] = count;
  }
  // LSD radix sort by 16-bit digits, counts carried along: a few linear passes.
  let spare: SortedCounts = { hi: new Int32Array(n), lo: new Int32Array(n), counts: new Uint32Array(n) };
  const starts = new Uint32Array(1 << 16);
  for (let shift = 0; shift < bits; shift += 16) {
    const keys = shift < 32 ? out.lo : out.hi;
    const at = shift % 32;
    starts.fill(0);
    for (let i = 0; i < n; i++) starts[(keys[i]! >>> at) & 0xffff]!++;
    let sum = 0;
    for (let d = 0; d < starts.length; d++) {
      const size = starts[d]!;
      starts[d] = sum;
      sum += size;
    }
    for (let i = 0; i < n; i++) {
      const to = starts[(keys[i]! >>> at) & 0xffff]!++;
      spare.hi[to] = out.hi[i]!;
      spare.lo[to] = out.lo[i]!;
      spare.counts[to] = out.counts[i]!;
    }
    [out, spare] = [spare, out];
  }
  return out;
}
