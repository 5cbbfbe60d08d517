/**
 * K-mer counts split into buckets by prefix: the top BUCKET_BITS bits of a k-mer's 2k-bit
 * code name its bucket, so buckets in order are k-mers in order (no merge at the end), and
 * a bucket's table stays small enough to live in cache while it is filled. K-mers are first
 * staged per bucket, then inserted a bucket at a time: with one big table, every insert was
 * a miss to DRAM.
 *
 * Of `partitions` counters, each owns the buckets b % partitions === partition and counts
 * every k-mer of its own input: staged k-mers of a bucket it does not own are posted, in
 * blocks, to that bucket's owner (`takeOutboxes`, `insertBlocks`). So each input is scanned
 * once and each k-mer has one table.
 *
 * A bucket stores only the rest of the code, its suffix, as int32 bit patterns (plain
 * numbers above 2^31 would be heap doubles in V8): one int32 for k <= 21, a second one
 * ("wide") up to k = 31.
 */

/** 2^10 buckets: about 4,000 k-mers each for a bacterial genome. */
const BUCKET_BITS = 10;
/** K-mers staged per bucket before they are inserted into its table or posted to its owner. */
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
  /** Per owned bucket: its slots (power-of-two many) and how many are used. */
  readonly slots: Int32Array[];
  readonly used: Int32Array;
  /** Staged suffixes, STAGED_PER_BUCKET per bucket (high halves in `stagedHi` when wide). */
  readonly staged: Int32Array;
  readonly stagedHi: Int32Array;
  readonly fill: Int32Array;
  /**
   * Per partition, blocks of k-mers posted to it: `[bucket, n, n low halves, (n high halves)]`
   * back to back, `outboxLength[p]` int32s.
   */
  private readonly outboxes: Int32Array[];
  private readonly outboxLength: number[];
  /** Where `insert` leaves what it read to warm the cache, so that the reads are not optimized away. */
  warm = 0;

  constructor(
    readonly k: number,
    readonly partition = 0,
    readonly partitions = 1,
  ) {
    this.bucketBits = bucketBits(k);
    this.suffixBits = 2 * k - this.bucketBits;
    this.wide = this.suffixBits > 32;
    this.stride = this.wide ? 4 : 2;
    const buckets = 1 << this.bucketBits;
    this.slots = Array.from({ length: buckets }, (_, b) =>
      this.owns(b) ? new Int32Array(16 * this.stride) : EMPTY,
    );
    this.used = new Int32Array(buckets);
    this.staged = new Int32Array(buckets * STAGED_PER_BUCKET);
    this.stagedHi = this.wide ? new Int32Array(buckets * STAGED_PER_BUCKET) : EMPTY;
    this.fill = new Int32Array(buckets);
    this.outboxes = Array.from({ length: partitions }, () => EMPTY);
    this.outboxLength = new Array<number>(partitions).fill(0);
  }

  get buckets(): number {
    return this.slots.length;
  }

  owns(bucket: number): boolean {
    return bucket % this.partitions === this.partition;
  }

  /** Stages one k-mer; inserts or posts the bucket's staged k-mers when it is full. */
  stage(bucket: number, hi: number, lo: number): void {
    const n = this.fill[bucket]!;
    const at = bucket * STAGED_PER_BUCKET + n;
    this.staged[at] = lo;
    if (this.wide) this.stagedHi[at] = hi;
    this.fill[bucket] = n + 1;
    if (n + 1 === STAGED_PER_BUCKET) this.flush(bucket);
  }

  /** Inserts the staged k-mers of a bucket into its table, or posts them to its owner. */
  flush(bucket: number): void {
    const n = this.fill[bucket]!;
    const first = bucket * STAGED_PER_BUCKET;
    if (this.owns(bucket)) this.insert(bucket, this.staged, this.stagedHi, first, first, n);
    else this.post(bucket, first, n);
    this.fill[bucket] = 0;
  }

  /** Flushes every bucket: all of this counter's k-mers are then in tables or outboxes. */
  flushAll(): void {
    for (let b = 0; b < this.buckets; b++) if (this.fill[b]) this.flush(b);
  }

  /** The blocks posted to each partition since the last call (none to this one). */
  takeOutboxes(): Int32Array[] {
    const taken = this.outboxes.map((box, p) => box.subarray(0, this.outboxLength[p]));
    this.outboxes.fill(EMPTY);
    this.outboxLength.fill(0);
    return taken;
  }

  /** Inserts blocks that other partitions posted to this one. */
  insertBlocks(blocks: Int32Array): void {
    for (let at = 0; at < blocks.length; ) {
      const bucket = blocks[at]!;
      const n = blocks[at + 1]!;
      this.insert(bucket, blocks, blocks, at + 2, at + 2 + n, n);
      at += 2 + (this.wide ? 2 * n : n);
    }
  }

  /** Drops a bucket's table once it has been read out, so memory shrinks as output proceeds. */
  release(bucket: number): void {
    this.slots[bucket] = EMPTY;
    this.used[bucket] = 0;
  }

  private post(bucket: number, first: number, n: number): void {
    const to = bucket % this.partitions;
    const size = 2 + (this.wide ? 2 * n : n);
    let box = this.outboxes[to]!;
    const at = this.outboxLength[to]!;
    if (at + size > box.length) {
      const grown = new Int32Array(Math.max(at + size, 2 * box.length, 1 << 16));
      grown.set(box.subarray(0, at));
      box = this.outboxes[to] = grown;
    }
    box[at] = bucket;
    box[at + 1] = n;
    box.set(this.staged.subarray(first, first + n), at + 2);
    if (this.wide) box.set(this.stagedHi.subarray(first, first + n), at + 2 + n);
    this.outboxLength[to] = at + size;
  }

  /** Counts `n` k-mers of a bucket: low halves from `lows[lowStart...]`, high ones from `highs[highStart...]`. */
  private insert(
    bucket: number,
    lows: Int32Array,
    highs: Int32Array,
    lowStart: number,
    highStart: number,
    n: number,
  ): void {
    const { wide, stride } = this;
    let slots = this.slots[bucket]!;
    let used = this.used[bucket]!;
    let mask = slots.length / stride - 1;
    let limit = (mask + 1) * MAX_LOAD;
    // Reads the table's cache lines in order first: streamed from memory at full bandwidth,
    // where the random probes below would each wait for one.
    let warm = 0;
    for (let i = 0; i < slots.length; i += 16) warm ^= slots[i]!;
    this.warm = warm;
    for (let j = 0; j < n; j++) {
      const lo = lows[lowStart + j]!;
      const hi = wide ? highs[highStart + j]! : 0;
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
