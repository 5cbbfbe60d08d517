import type { BamHeader } from './header.js';
import { int32, uint16, uint32 } from './little-endian.js';
import { checkTags, decodeTags, formatTags, type TagValue } from './tags.js';

const BASES = '=ACMGRSVTWYHKDBN';
const CIGAR_OPS = 'MIDNSHP=X';
/** Whether each CIGAR op consumes the reference (M D N = X). */
const CONSUMES_REF = [1, 0, 1, 1, 0, 0, 0, 1, 1];
/** Whether each CIGAR op consumes the query (M I S = X). */
const CONSUMES_QUERY = [1, 1, 0, 0, 1, 0, 0, 1, 1];

/** The BAI bin of the 0-based half-open interval [beg, end), as the SAM spec computes it. */
function reg2bin(beg: number, end: number): number {
  const last = end - 1;
  if (beg >> 14 === last >> 14) return ((1 << 15) - 1) / 7 + (beg >> 14);
  if (beg >> 17 === last >> 17) return ((1 << 12) - 1) / 7 + (beg >> 17);
  if (beg >> 20 === last >> 20) return ((1 << 9) - 1) / 7 + (beg >> 20);
  if (beg >> 23 === last >> 23) return ((1 << 6) - 1) / 7 + (beg >> 23);
  if (beg >> 26 === last >> 26) return ((1 << 3) - 1) / 7 + (beg >> 26);
  return 0;
}
/** Both bases of each packed SEQ byte as a little-endian pair of latin1 codes. */
const BASE_PAIRS = new Uint16Array(256);
for (let b = 0; b < 256; b++) BASE_PAIRS[b] = BASES.charCodeAt(b >> 4) | (BASES.charCodeAt(b & 15) << 8);
/** Phred to phred+33 on four bytes at once (qualities are < 94, so no byte carries). */
const PLUS_33 = 0x21212121;
/**
 * Reused buffer for building SEQ/QUAL strings without per-base string concatenation,
 * written two or four bytes at a time through `scratchView`.
 */
let scratch = Buffer.alloc(1 << 16);
let scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
function grow(size: number): void {
  if (scratch.length >= size) return;
  scratch = Buffer.alloc(size * 2);
  scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
}

/**
 * One alignment, read lazily from its raw BAM bytes (the record after `block_size`):
 * nothing is decoded until a field is touched.
 */
export class BamRecord {
  constructor(
    /** The buffer holding the record; the record is `data[start, start + length)`. */
    readonly data: Buffer,
    readonly start: number,
    readonly length: number,
    /** The header of the stream the record came from (shared by all its records). */
    readonly header: BamHeader,
  ) {}

  /** The raw record bytes (without the leading block_size). */
  get bytes(): Buffer {
    return this.data.subarray(this.start, this.start + this.length);
  }
  get refId(): number {
    return int32(this.data, this.start);
  }
  /** Reference name, `*` when unplaced. */
  get ref(): string {
    const id = this.refId;
    return id < 0 ? '*' : (this.header.refs[id]?.name ?? '*');
  }
  /** 1-based leftmost position as in SAM; 0 when unplaced. */
  get pos(): number {
    return int32(this.data, this.start + 4) + 1;
  }
  get mapq(): number {
    return this.data[this.start + 9]!;
  }
  get flag(): number {
    return uint16(this.data, this.start + 14);
  }
  private get nameLength(): number {
    return this.data[this.start + 8]!;
  }
  private get cigarCount(): number {
    return uint16(this.data, this.start + 12);
  }
  /** Length of SEQ. */
  get seqLength(): number {
    return int32(this.data, this.start + 16);
  }
  get name(): string {
    return this.data.toString('latin1', this.start + 32, this.start + 32 + this.nameLength - 1);
  }
  private get cigarStart(): number {
    return this.start + 32 + this.nameLength;
  }
  /** Where SEQ starts in `data`: 4-bit base codes (`=ACMGRSVTWYHKDBN`), two per byte. */
  get seqOffset(): number {
    return this.cigarStart + 4 * this.cigarCount;
  }
  /** Where QUAL starts in `data`: `seqLength` phred bytes, the first 0xff when absent. */
  get qualOffset(): number {
    return this.seqOffset + ((this.seqLength + 1) >> 1);
  }
  private get tagsStart(): number {
    return this.qualOffset + this.seqLength;
  }
  /** CIGAR string, `*` when absent. */
  get cigar(): string {
    const n = this.cigarCount;
    if (!n) return '*';
    let text = '';
    for (let i = 0, p = this.cigarStart; i < n; i++, p += 4) {
      const op = uint32(this.data, p);
      text += (op >>> 4) + CIGAR_OPS[op & 15]!;
    }
    return text;
  }
  /** Reference bases covered by the alignment (M D N = X ops). */
  get refLength(): number {
    let length = 0;
    for (let i = 0, p = this.cigarStart; i < this.cigarCount; i++, p += 4) {
      const op = uint32(this.data, p);
      if (CONSUMES_REF[op & 15]) length += op >>> 4;
    }
    return length;
  }
  /** Read bases, `*` when absent. */
  get seq(): string {
    const n = this.seqLength;
    if (!n) return '*';
    grow(n + 1);
    const start = this.seqOffset;
    const data = this.data;
    for (let i = 0, j = 0; j < n; i++, j += 2) scratchView.setUint16(j, BASE_PAIRS[data[start + i]!]!, true);
    return scratch.toString('latin1', 0, n);
  }
  /** Phred base qualities as stored (no copy); empty when absent. */
  get qualities(): Uint8Array {
    const start = this.qualOffset;
    if (this.data[start] === 0xff) return new Uint8Array(0);
    return this.data.subarray(start, start + this.seqLength);
  }
  /** Base qualities as SAM prints them (phred+33), `*` when absent. */
  get qual(): string {
    const n = this.seqLength;
    const start = this.qualOffset;
    if (!n || this.data[start] === 0xff) return '*';
    grow(n);
    const data = this.data;
    const words = n >> 2;
    const qual = new DataView(data.buffer, data.byteOffset + start, n);
    for (let i = 0; i < words; i++) scratchView.setUint32(4 * i, qual.getUint32(4 * i, true) + PLUS_33, true);
    for (let i = 4 * words; i < n; i++) scratch[i] = data[start + i]! + 33;
    return scratch.toString('latin1', 0, n);
  }
  private get nextRefId(): number {
    return int32(this.data, this.start + 20);
  }
  /** Mate's reference name as SAM prints it: `=` when the same as `ref`, `*` when none. */
  get rnext(): string {
    const id = this.nextRefId;
    if (id < 0) return '*';
    return id === this.refId ? '=' : (this.header.refs[id]?.name ?? '*');
  }
  /** Mate's 1-based position; 0 when none. */
  get pnext(): number {
    return int32(this.data, this.start + 24) + 1;
  }
  get tlen(): number {
    return int32(this.data, this.start + 28);
  }
  /** Aux fields by tag, in file order. Malformed aux data throws, naming the read. */
  get tags(): Record<string, TagValue> {
    return this.inTags(decodeTags);
  }
  /** The SAM line exactly as `samtools view` prints it. */
  toString(): string {
    return (
      `${this.name}\t${this.flag}\t${this.ref}\t${this.pos}\t${this.mapq}\t${this.cigar}\t${this.rnext}\t` +
      `${this.pnext}\t${this.tlen}\t${this.seq}\t${this.qual}` +
      this.inTags(formatTags)
    );
  }
  /** Throws a message naming the read and what is wrong when its aux data is malformed. */
  checkTags(): void {
    this.inTags(checkTags);
  }
  private inTags<T>(use: (data: Buffer, start: number, end: number) => T): T {
    try {
      return use(this.data, this.tagsStart, this.start + this.length);
    } catch (err) {
      throw new Error(`read '${this.name}': ${(err as Error).message}`);
    }
  }
  /**
   * What is wrong with the record's fixed fields, or undefined when its fields fit its
   * bytes and its references are in the header. Cheap (bounds checks only), so it runs on
   * every record; the aux fields are checked when they are read (`tags`, `toString`).
   */
  layoutError(): string | undefined {
    const { data, start, length } = this;
    if (length < 32) return `record is ${length} bytes, expected at least 32`;
    const nameLength = data[start + 8]!;
    if (nameLength < 1) return 'read name length is 0, expected at least 1 (the NUL)';
    const seqLength = int32(data, start + 16);
    if (seqLength < 0) return `sequence length is ${seqLength}, expected >= 0`;
    const fixed = 32 + nameLength + 4 * uint16(data, start + 12) + ((seqLength + 1) >> 1) + seqLength;
    if (fixed > length) return `fields need ${fixed} bytes but the record has ${length}`;
    if (data[start + 31 + nameLength] !== 0) return 'read name is not NUL-terminated';
    const refs = this.header.refs.length;
    const refId = int32(data, start);
    if (refId < -1 || refId >= refs) return `reference id ${refId} is not in the header`;
    const nextRefId = int32(data, start + 20);
    if (nextRefId < -1 || nextRefId >= refs) return `mate reference id ${nextRefId} is not in the header`;
    // What samtools rejects besides: a CIGAR whose query length is not SEQ's, a wrong bin.
    const cigarCount = uint16(data, start + 12);
    let queryLength = 0;
    for (let i = 0, p = this.cigarStart; i < cigarCount; i++, p += 4) {
      const op = uint32(data, p);
      if ((op & 15) > 8) return `CIGAR operation ${op & 15} is not one of ${CIGAR_OPS}`;
      if (CONSUMES_QUERY[op & 15]) queryLength += op >>> 4;
    }
    if (cigarCount && seqLength && queryLength !== seqLength)
      return `CIGAR ${this.cigar} covers ${queryLength} query bases but SEQ has ${seqLength}, expected equal lengths`;
    const pos = int32(data, start + 4);
    const flag = uint16(data, start + 14);
    if (refId >= 0 && pos >= 0 && !(flag & 4) && cigarCount) {
      const bin = uint16(data, start + 10);
      const expected = reg2bin(pos, pos + Math.max(1, this.refLength));
      if (bin !== expected)
        return `bin ${bin}, expected ${expected} for ${this.ref}:${pos + 1} and its CIGAR`;
    }
    return undefined;
  }
}
