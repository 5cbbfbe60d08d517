/**
 * K-mer counts split into buckets by prefix: the top BUCKET_BITS bits of a k-mer's 2k-bit
 * code name its bucket, so buckets in order are k-mers in order (no merge at the end), and
 * a bucket's table stays small enough to live in cache while it is filled. K-mers are first
 * staged per bucket, then inserted a bucket at a time: with one big table, every insert was
 * a miss to DRAM.
 *
 * A bucket stores only the rest of the code, its suffix, as int32 bit patterns (plain
 * numbers above 2^31 would be heap doubles in V8): one int32 for k <= 21, a second one
 * ("wide") up to k = 31.
 */

/** 2^10 buckets: about 4,000 k-mers each for a bacterial genome. */
const BUCKET_BITS = 10;
/** K-mers staged per bucket before they are inserted into its table. */
const STAGED_PER_BUCKET = 4096;
const MAX_LOAD = 0.7;
const EMPTY = new Int32Array(0);

function bucketBits(k: number): number {
  return Math.min(BUCKET_BITS, 2 * k);
}

/** How many buckets the k-mers of length k fall into. */
export function bucketCount(k: number): number {
  return 1 << bucketBits(k);
}

export class KmerTables {
  /** Bits of the bucket number (the code's top bits) and of the suffix below them. */
  readonly bucketBits: number;
  readonly suffixBits: number;
  /** Whether suffixes need a second int32 (more than 32 bits). */
  readonly wide: boolean;
  /** Slot stride in int32s: `[lo, count]`, or `[lo, count, hi, 0]` when wide; count 0 = empty. */
  readonly stride: number;
  /** Per bucket: its slots (power-of-two many) and how many are used. */
  readonly slots: Int32Array[];
  readonly used: Int32Array;
  /** Staged suffixes, STAGED_PER_BUCKET per bucket (high halves in `stagedHi` when wide). */
  readonly staged: Int32Array;
  readonly stagedHi: Int32Array;
  readonly fill: Int32Array;
  /** Where `flush` leaves what it read to warm the cache, so that the reads are not optimized away. */
  warm = 0;

  constructor(readonly k: number) {
    this.bucketBits = bucketBits(k);
    this.suffixBits = 2 * k - this.bucketBits;
    this.wide = this.suffixBits > 32;
    this.stride = this.wide ? 4 : 2;
    const buckets = 1 << this.bucketBits;
    this.slots = Array.from({ length: buckets }, () => new Int32Array(16 * this.stride));
    this.used = new Int32Array(buckets);
    this.staged = new Int32Array(buckets * STAGED_PER_BUCKET);
    this.stagedHi = this.wide ? new Int32Array(buckets * STAGED_PER_BUCKET) : EMPTY;
    this.fill = new Int32Array(buckets);
  }

  get buckets(): number {
    return this.slots.length;
  }

  /** Stages one k-mer; inserts the bucket's staged k-mers when it is full. */
  stage(bucket: number, hi: number, lo: number): void {
    const n = this.fill[bucket]!;
    const at = bucket * STAGED_PER_BUCKET + n;
    this.staged[at] = lo;
    if (this.wide) this.stagedHi[at] = hi;
    this.fill[bucket] = n + 1;
    if (n + 1 === STAGED_PER_BUCKET) this.flush(bucket);
  }

  /** Inserts the staged k-mers of a bucket into its table. */
  flush(bucket: number): void {
    const n = this.fill[bucket]!;
    const first = bucket * STAGED_PER_BUCKET;
    const { staged, stagedHi, wide, stride } = this;
    let slots = this.slots[bucket]!;
    let used = this.used[bucket]!;
    let mask = slots.length / stride - 1;
    let limit = (mask + 1) * MAX_LOAD;
    // Reads the table's cache lines in order first: streamed from memory at full bandwidth,
    // where the random probes below would each wait for one.
    let warm = 0;
    for (let i = 0; i < slots.length; i += 16) warm ^= slots[i]!;
    this.warm = warm;
    for (let j = first; j < first + n; j++) {
      const lo = staged[j]!;
      const hi = wide ? stagedHi[j]! : 0;
      let at = (slotHash(hi, lo) & mask) * stride;
      for (;;) {
        const count = slots[at + 1]!;
        if (count === 0) {
          slots[at] = lo;
          slots[at + 1] = 1;
          if (wide) slots[at + 2] = hi;
          if (++used > limit) {
            slots = this.grown(slots);
            mask = slots.length / stride - 1;
            limit = (mask + 1) * MAX_LOAD;
          }
          break;
        }
        if (slots[at] === lo && (!wide || slots[at + 2] === hi)) {
          slots[at + 1] = count + 1;
          break;
        }
        at = at + stride > mask * stride ? 0 : at + stride;
      }
    }
    this.slots[bucket] = slots;
    this.used[bucket] = used;
    this.fill[bucket] = 0;
  }

  /** Adds the counts of another counter's table of the same bucket (see `handOff`). */
  merge(bucket: number, other: Int32Array): void {
    if (this.fill[bucket]) this.flush(bucket);
    const { stride, wide } = this;
    for (let i = 0; i < other.length; i += stride) {
      const count = other[i + 1]!;
      if (count === 0) continue;
      const lo = other[i]!;
      const hi = wide ? other[i + 2]! : 0;
      const slots = this.slots[bucket]!;
      const mask = slots.length / stride - 1;
      let at = (slotHash(hi, lo) & mask) * stride;
      while (slots[at + 1] !== 0 && (slots[at] !== lo || (wide && slots[at + 2] !== hi))) {
        at = at + stride > mask * stride ? 0 : at + stride;
      }
      if (slots[at + 1] !== 0) {
        slots[at + 1] = slots[at + 1]! + count;
        continue;
      }
      slots[at] = lo;
      slots[at + 1] = count;
      if (wide) slots[at + 2] = hi;
      if (++this.used[bucket]! > (mask + 1) * MAX_LOAD) this.slots[bucket] = this.grown(slots);
    }
  }

  /**
   * Gives away the tables of the buckets another partition owns (bucket b belongs to
   * partition b % partitions), everything staged inserted first.
   */
  handOff(partition: number, partitions: number): Int32Array[] {
    const given: Int32Array[] = [];
    for (let b = 0; b < this.buckets; b++) {
      if (b % partitions === partition) continue;
      if (this.fill[b]) this.flush(b);
      given.push(this.slots[b]!);
      this.release(b);
    }
    return given;
  }

  /** Drops a bucket's table once it has been read out, so memory shrinks as output proceeds. */
  release(bucket: number): void {
    this.slots[bucket] = EMPTY;
    this.used[bucket] = 0;
  }

  private grown(old: Int32Array): Int32Array {
    const { stride, wide } = this;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length / stride - 1;
    for (let i = 0; i < old.length; i += stride) {
      if (old[i + 1] === 0) continue;
      let at = (slotHash(wide ? old[i + 2]! : 0, old[i]!) & mask) * stride;
      while (slots[at + 1] !== 0) at = at + stride > mask * stride ? 0 : at + stride;
      slots[at] = old[i]!;
      slots[at + 1] = old[i + 1]!;
      if (wide) slots[at + 2] = old[i + 2]!;
    }
    return slots;
  }
}

/** Mixes a suffix into well-spread low bits. */
function slotHash(hi: number, lo: number): number {
  let h = Math.imul(lo ^ (lo >>> 16) ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 16);
}
