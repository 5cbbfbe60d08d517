import type { BamHeader } from './header.js';
import { checkTags, decodeTags, formatTags, type TagValue } from './tags.js';

const BASES = '=ACMGRSVTWYHKDBN';
const CIGAR_OPS = 'MIDNSHP=X';
/** Whether each CIGAR op consumes the reference (M D N = X). */
const CONSUMES_REF = [1, 0, 1, 1, 0, 0, 0, 1, 1];
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
    /** The buffer holding the record; the record is `buf[offset, offset + length)`. */
    private readonly buf: Buffer,
    private readonly offset: number,
    private readonly length: number,
    /** The header of the stream the record came from (shared by all its records). */
    readonly header: BamHeader,
  ) {}

  /** The raw record bytes (without the leading block_size). */
  get bytes(): Buffer {
    return this.buf.subarray(this.offset, this.offset + this.length);
  }
  get refId(): number {
    return this.buf.readInt32LE(this.offset);
  }
  /** Reference name, `*` when unplaced. */
  get ref(): string {
    const id = this.refId;
    return id < 0 ? '*' : (this.header.refs[id]?.name ?? '*');
  }
  /** 1-based leftmost position as in SAM; 0 when unplaced. */
  get pos(): number {
    return this.buf.readInt32LE(this.offset + 4) + 1;
  }
  get mapq(): number {
    return this.buf[this.offset + 9]!;
  }
  get flag(): number {
    return this.buf.readUInt16LE(this.offset + 14);
  }
  private get nameLength(): number {
    return this.buf[this.offset + 8]!;
  }
  private get cigarCount(): number {
    return this.buf.readUInt16LE(this.offset + 12);
  }
  /** Length of SEQ. */
  get seqLength(): number {
    return this.buf.readInt32LE(this.offset + 16);
  }
  get name(): string {
    return this.buf.toString('latin1', this.offset + 32, this.offset + 32 + this.nameLength - 1);
  }
  private get cigarStart(): number {
    return this.offset + 32 + this.nameLength;
  }
  private get seqStart(): number {
    return this.cigarStart + 4 * this.cigarCount;
  }
  private get qualStart(): number {
    return this.seqStart + ((this.seqLength + 1) >> 1);
  }
  private get tagsStart(): number {
    return this.qualStart + this.seqLength;
  }
  /** CIGAR string, `*` when absent. */
  get cigar(): string {
    const n = this.cigarCount;
    if (!n) return '*';
    let text = '';
    for (let i = 0, p = this.cigarStart; i < n; i++, p += 4) {
      const op = this.buf.readUInt32LE(p);
      text += (op >>> 4) + CIGAR_OPS[op & 15]!;
    }
    return text;
  }
  /** Reference bases covered by the alignment (M D N = X ops). */
  get refLength(): number {
    let length = 0;
    for (let i = 0, p = this.cigarStart; i < this.cigarCount; i++, p += 4) {
      const op = this.buf.readUInt32LE(p);
      if (CONSUMES_REF[op & 15]) length += op >>> 4;
    }
    return length;
  }
  /** Read bases, `*` when absent. */
  get seq(): string {
    const n = this.seqLength;
    if (!n) return '*';
    grow(n + 1);
    const start = this.seqStart;
    const buf = this.buf;
    for (let i = 0, j = 0; j < n; i++, j += 2) scratchView.setUint16(j, BASE_PAIRS[buf[start + i]!]!, true);
    return scratch.toString('latin1', 0, n);
  }
  /** Phred base qualities as stored (no copy); empty when absent. */
  get qualities(): Uint8Array {
    const start = this.qualStart;
    if (this.buf[start] === 0xff) return new Uint8Array(0);
    return this.buf.subarray(start, start + this.seqLength);
  }
  /** Base qualities as SAM prints them (phred+33), `*` when absent. */
  get qual(): string {
    const n = this.seqLength;
    const start = this.qualStart;
    if (!n || this.buf[start] === 0xff) return '*';
    grow(n);
    const buf = this.buf;
    const words = n >> 2;
    const qual = new DataView(buf.buffer, buf.byteOffset + start, n);
    for (let i = 0; i < words; i++) scratchView.setUint32(4 * i, qual.getUint32(4 * i, true) + PLUS_33, true);
    for (let i = 4 * words; i < n; i++) scratch[i] = buf[start + i]! + 33;
    return scratch.toString('latin1', 0, n);
  }
  private get nextRefId(): number {
    return this.buf.readInt32LE(this.offset + 20);
  }
  /** Mate's reference name as SAM prints it: `=` when the same as `ref`, `*` when none. */
  get rnext(): string {
    const id = this.nextRefId;
    if (id < 0) return '*';
    return id === this.refId ? '=' : (this.header.refs[id]?.name ?? '*');
  }
  /** Mate's 1-based position; 0 when none. */
  get pnext(): number {
    return this.buf.readInt32LE(this.offset + 24) + 1;
  }
  get tlen(): number {
    return this.buf.readInt32LE(this.offset + 28);
  }
  /** Aux fields by tag, in file order. */
  get tags(): Record<string, TagValue> {
    return decodeTags(this.buf, this.tagsStart, this.offset + this.length);
  }
  /** The SAM line exactly as `samtools view` prints it. */
  toString(): string {
    return (
      `${this.name}\t${this.flag}\t${this.ref}\t${this.pos}\t${this.mapq}\t${this.cigar}\t${this.rnext}\t` +
      `${this.pnext}\t${this.tlen}\t${this.seq}\t${this.qual}` +
      formatTags(this.buf, this.tagsStart, this.offset + this.length)
    );
  }
  /** Throws a message saying what is wrong when the record's fields overrun its bytes. */
  validate(): void {
    if (this.length < 32) throw new Error(`record is ${this.length} bytes, expected at least 32`);
    if (this.nameLength < 1) throw new Error('read name length is 0, expected at least 1 (the NUL)');
    if (this.buf[this.cigarStart - 1] !== 0) throw new Error('read name is not NUL-terminated');
    if (this.seqLength < 0) throw new Error(`sequence length is ${this.seqLength}, expected >= 0`);
    if (this.tagsStart > this.offset + this.length) {
      throw new Error(`fields need ${this.tagsStart - this.offset} bytes but the record has ${this.length}`);
    }
    const refs = this.header.refs.length;
    if (this.refId < -1 || this.refId >= refs)
      throw new Error(`reference id ${this.refId} is not in the header`);
    if (this.nextRefId < -1 || this.nextRefId >= refs)
      throw new Error(`mate reference id ${this.nextRefId} is not in the header`);
    checkTags(this.buf, this.tagsStart, this.offset + this.length);
  }
}
