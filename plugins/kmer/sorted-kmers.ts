/**
 * The counted k-mers of a range of buckets in k-mer order, as the output is built from:
 * fixed-width latin1 letters (so the main thread only slices strings out) and counts.
 */
import { BASES } from './base-codes.js';
import type { KmerTables } from './kmer-table.js';

export interface SortedKmers {
  /** k letters per k-mer, back to back, in k-mer order. */
  letters: Uint8Array;
  counts: Uint32Array;
  /** K-mers of each bucket of the range (0 for buckets another partition owns). */
  sizes: Uint32Array;
}

const LETTER = Uint8Array.from(BASES, (b) => b.charCodeAt(0));

/**
 * The k-mers counted at least `minCount` times in the buckets of `[from, to)` that
 * `partition` owns (b % partitions), each bucket sorted by suffix; the buckets' tables are
 * released as they are read.
 */
export function sortedKmers(
  tables: KmerTables,
  from: number,
  to: number,
  minCount: number,
  partition = 0,
  partitions = 1,
): SortedKmers {
  const { k, stride, wide, suffixBits } = tables;
  const sizes = new Uint32Array(to - from);
  let total = 0;
  for (let b = from; b < to; b++) {
    if (b % partitions !== partition) continue;
    if (tables.fill[b]) tables.flush(b);
    const slots = tables.slots[b]!;
    let n = 0;
    for (let i = 1; i < slots.length; i += stride) if (slots[i]! !== 0 && slots[i]! >>> 0 >= minCount) n++;
    sizes[b - from] = n;
    total += n;
  }
  const letters = new Uint8Array(total * k);
  const counts = new Uint32Array(total);
  const prefixLetters = tables.bucketBits / 2;
  let out = 0;
  for (let b = from; b < to; b++) {
    if (b % partitions !== partition) continue;
    const n = sizes[b - from]!;
    const run = sortedBucket(tables.slots[b]!, n, stride, wide, suffixBits, minCount);
    tables.release(b);
    for (let i = 0; i < n; i++, out++) {
      let at = out * k;
      for (let shift = 2 * prefixLetters - 2; shift >= 0; shift -= 2)
        letters[at++] = LETTER[(b >>> shift) & 3]!;
      const hi = run.hi[i]!;
      const lo = run.lo[i]!;
      for (let shift = suffixBits - 2; shift >= 32; shift -= 2)
        letters[at++] = LETTER[(hi >>> (shift - 32)) & 3]!;
      for (let shift = Math.min(suffixBits, 32) - 2; shift >= 0; shift -= 2)
        letters[at++] = LETTER[(lo >>> shift) & 3]!;
      counts[out] = run.counts[i]!;
    }
  }
  return { letters, counts, sizes };
}

interface Run {
  hi: Int32Array;
  lo: Int32Array;
  counts: Int32Array;
}

/** Reused between buckets: a bucket is sorted in these, then copied out. */
let run: Run = { hi: new Int32Array(0), lo: new Int32Array(0), counts: new Int32Array(0) };
let spare: Run = run;
const starts = new Int32Array(256);

/** The `n` entries of a bucket's slots counted at least `minCount` times, sorted by suffix. */
function sortedBucket(
  slots: Int32Array,
  n: number,
  stride: number,
  wide: boolean,
  suffixBits: number,
  minCount: number,
): Run {
  if (run.lo.length < n) {
    const size = Math.max(n, run.lo.length * 2);
    const make = (): Run => ({
      hi: new Int32Array(size),
      lo: new Int32Array(size),
      counts: new Int32Array(size),
    });
    run = make();
    spare = make();
  }
  for (let i = 0, j = 0; i < slots.length; i += stride) {
    const count = slots[i + 1]!;
    if (count === 0 || count >>> 0 < minCount) continue;
    run.lo[j] = slots[i]!;
    run.hi[j] = wide ? slots[i + 2]! : 0;
    run.counts[j++] = count;
  }
  // LSD radix sort by 8-bit digits (the bucket is small: the 256 counters stay in cache).
  for (let shift = 0; shift < suffixBits; shift += 8) {
    const keys = shift < 32 ? run.lo : run.hi;
    const at = shift & 31;
    starts.fill(0);
    for (let i = 0; i < n; i++) starts[(keys[i]! >>> at) & 0xff]!++;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const size = starts[d]!;
      starts[d] = sum;
      sum += size;
    }
    for (let i = 0; i < n; i++) {
      const to = starts[(keys[i]! >>> at) & 0xff]!++;
      spare.hi[to] = run.hi[i]!;
      spare.lo[to] = run.lo[i]!;
      spare.counts[to] = run.counts[i]!;
    }
    [run, spare] = [spare, run];
  }
  return run;
}
