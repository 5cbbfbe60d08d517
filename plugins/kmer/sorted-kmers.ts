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
 * The k-mers counted at least `minCount` times in the buckets of `[from, to)` that `tables`
 * owns, each bucket sorted by suffix; the buckets' tables are released as they are read.
 */
export function sortedKmers(tables: KmerTables, from: number, to: number, minCount: number): SortedKmers {
  const { k, stride, wide, suffixBits } = tables;
  const sizes = new Uint32Array(to - from);
  let total = 0;
  for (let b = from; b < to; b++) {
    if (!tables.owns(b)) continue;
    if (tables.fill[b]) tables.flush(b);
    const slots = tables.slots[b]!;
    let n = 0;
    for (let i = 1; i < slots.length; i += stride) if (slots[i]! !== 0 && slots[i]! >>> 0 >= minCount) n++;
    sizes[b - from] = n;
    total += n;
  }
  const letters = new Uint8Array(total * k);
  const counts = new Uint32Array(total);
  const prefix = new Uint8Array(tables.bucketBits / 2);
  let at = 0;
  let out = 0;
  for (let b = from; b < to; b++) {
    if (!tables.owns(b)) continue;
    const n = sizes[b - from]!;
    const {
      hi,
      lo,
      counts: bucketCounts,
    } = sortedBucket(tables.slots[b]!, n, stride, wide, suffixBits, minCount);
    tables.release(b);
    for (let j = 0; j < prefix.length; j++) prefix[j] = LETTER[(b >>> (2 * (prefix.length - 1 - j))) & 3]!;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < prefix.length; j++) letters[at++] = prefix[j]!;
      const high = hi[i]!;
      const low = lo[i]!;
      for (let shift = suffixBits - 34; shift >= 0; shift -= 2) letters[at++] = LETTER[(high >>> shift) & 3]!;
      for (let shift = Math.min(suffixBits, 32) - 2; shift >= 0; shift -= 2)
        letters[at++] = LETTER[(low >>> shift) & 3]!;
      counts[out++] = bucketCounts[i]!;
    }
  }
  return { letters, counts, sizes };
}

interface Run {
  hi: Int32Array;
  lo: Int32Array;
  counts: Int32Array;
}

const runOf = (size: number): Run => ({
  hi: new Int32Array(size),
  lo: new Int32Array(size),
  counts: new Int32Array(size),
});

/** Reused between buckets (grown as needed): a bucket is sorted in these, then copied out. */
const scratch = { run: runOf(0), spare: runOf(0) };
const starts = new Int32Array(256);

/**
 * The `n` entries of a bucket's slots counted at least `minCount` times, sorted by suffix
 * (an LSD radix sort by 8-bit digits: a bucket is small, its 256 counters stay in cache).
 */
function sortedBucket(
  slots: Int32Array,
  n: number,
  stride: number,
  wide: boolean,
  suffixBits: number,
  minCount: number,
): Run {
  if (scratch.run.lo.length < n) {
    const size = Math.max(n, scratch.run.lo.length * 2);
    scratch.run = runOf(size);
    scratch.spare = runOf(size);
  }
  let { run, spare } = scratch;
  for (let i = 0, j = 0; i < slots.length; i += stride) {
    const count = slots[i + 1]!;
    if (count === 0 || count >>> 0 < minCount) continue;
    run.lo[j] = slots[i]!;
    if (wide) run.hi[j] = slots[i + 2]!;
    run.counts[j++] = count;
  }
  for (let shift = 0; shift < suffixBits; shift += 8) {
    const { hi, lo, counts } = run;
    const keys = shift < 32 ? lo : hi;
    const at = shift & 31;
    starts.fill(0);
    for (let i = 0; i < n; i++) starts[(keys[i]! >>> at) & 0xff]!++;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const size = starts[d]!;
      starts[d] = sum;
      sum += size;
    }
    const { hi: toHi, lo: toLo, counts: toCounts } = spare;
    for (let i = 0; i < n; i++) {
      const to = starts[(keys[i]! >>> at) & 0xff]!++;
      toLo[to] = lo[i]!;
      toCounts[to] = counts[i]!;
      if (wide) toHi[to] = hi[i]!;
    }
    const sorted = spare;
    spare = run;
    run = sorted;
  }
  return run;
}
