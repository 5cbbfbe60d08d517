import type { BcfHeader } from './bcf-header.js';
import { formatFloat32 } from './float-format.js';

/** BCF value types (the low 4 bits of a type descriptor byte). */
export const BCF_INT8 = 1;
export const BCF_INT16 = 2;
export const BCF_INT32 = 3;
export const BCF_FLOAT = 5;
export const BCF_CHAR = 7;

export const FLOAT_MISSING = 0x7f800001;
export const FLOAT_VECTOR_END = 0x7f800002;
/** Missing and vector-end markers of each integer type: the two smallest values. */
export const INT_MISSING = { [BCF_INT8]: -128, [BCF_INT16]: -32768, [BCF_INT32]: -2147483648 } as Record<
  number,
  number
>;

/** A BCF record that cannot be decoded: what is wrong; the reader adds where. */
export class BcfRecordError extends Error {}

const SIZE: Record<number, number> = {
  0: 0,
  [BCF_INT8]: 1,
  [BCF_INT16]: 2,
  [BCF_INT32]: 4,
  [BCF_FLOAT]: 4,
  [BCF_CHAR]: 1,
};

/** Reads typed values of a record; `at` moves past what was read. */
class Cursor {
  at: number;
  constructor(
    readonly bytes: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  /** A type descriptor: its type and count (a count of 15 is followed by the real one). */
  descriptor(): { type: number; count: number } {
    this.need(1);
    const byte = this.bytes[this.at++]!;
    const type = byte & 15;
    if (SIZE[type] === undefined)
      throw new BcfRecordError(`unknown BCF value type ${type}, expected 0, 1, 2, 3, 5 or 7`);
    let count = byte >> 4;
    if (count === 15) count = this.int();
    return { type, count };
  }

  /** One typed integer (a key, a count). */
  int(): number {
    const { type, count } = this.descriptor();
    if (count !== 1 || type < BCF_INT8 || type > BCF_INT32)
      throw new BcfRecordError(`a typed integer of type ${type} and count ${count}, expected one integer`);
    return this.value(type);
  }

  value(type: number): number {
    const bytes = this.bytes;
    const at = this.at;
    this.need(SIZE[type]!);
    this.at += SIZE[type]!;
    switch (type) {
      case BCF_INT8:
        return (bytes[at]! << 24) >> 24;
      case BCF_INT16:
        return ((bytes[at]! | (bytes[at + 1]! << 8)) << 16) >> 16;
      case BCF_INT32:
        return bytes.readInt32LE(at);
      case BCF_FLOAT:
        return bytes.readUInt32LE(at);
      default:
        return bytes[at]!;
    }
  }

  need(n: number): void {
    if (this.at + n > this.end)
      throw new BcfRecordError(`record ends inside a value, expected ${n} more bytes`);
  }

  /** Writes `count` values of `type` as htslib prints them (missing `.`, a vector end stops). */
  text(type: number, count: number, out: LineBytes): void {
    if (type === BCF_CHAR) {
      this.need(count);
      let end = this.at;
      const stop = this.at + count;
      while (end < stop && this.bytes[end] !== 0) end++;
      if (end === this.at) out.byte(DOT);
      else out.copy(this.bytes, this.at, end);
      this.at = stop;
      return;
    }
    if (type === 0 || count === 0) {
      this.at += count * SIZE[type]!;
      out.byte(DOT);
      return;
    }
    let j = 0;
    for (; j < count; j++) {
      const v = this.value(type);
      if (isVectorEnd(type, v)) {
        this.at += (count - j - 1) * SIZE[type]!;
        break;
      }
      if (j) out.byte(COMMA);
      if (isMissing(type, v)) out.byte(DOT);
      else if (type === BCF_FLOAT) out.ascii(formatFloat32(float32(v)));
      else out.int(v);
    }
    if (j === 0) out.byte(DOT);
  }

  /** Writes one sample's GT (`count` alleles) as htslib prints it. */
  genotype(type: number, count: number, out: LineBytes): void {
    let j = 0;
    for (; j < count; j++) {
      const v = this.value(type);
      if (isVectorEnd(type, v)) {
        this.at += (count - j - 1) * SIZE[type]!;
        break;
      }
      if (j) out.byte(v & 1 ? PIPE : SLASH);
      if (v >> 1) out.int((v >> 1) - 1);
      else out.byte(DOT);
    }
    if (j === 0) out.byte(DOT);
  }
}

const DOT = 46;
const COMMA = 44;
const PIPE = 124;
const SLASH = 47;
const TAB = 9;
const COLON = 58;
const SEMICOLON = 59;
const EQUALS = 61;

/** A line built as UTF-8 bytes in one reused buffer, made a string once: little garbage per record. */
class LineBytes {
  buf = Buffer.allocUnsafe(1 << 16);
  n = 0;

  private room(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.n + extra));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }

  /** A string of ASCII characters (numbers, formatted floats). */
  ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.n++] = text.charCodeAt(i);
  }

  /** Any string, as UTF-8 (names from the header). */
  text(text: string): void {
    this.room(3 * text.length);
    this.n += this.buf.write(text, this.n, 'utf8');
  }

  copy(from: Buffer, start: number, end: number): void {
    this.room(end - start);
    from.copy(this.buf, this.n, start, end);
    this.n += end - start;
  }

  int(v: number): void {
    if (v < 0 || v > 9) {
      this.ascii(String(v));
      return;
    }
    this.room(1);
    this.buf[this.n++] = 48 + v;
  }

  take(): string {
    const text = this.buf.toString('utf8', 0, this.n);
    this.n = 0;
    return text;
  }
}

const out = new LineBytes();

const view = new DataView(new ArrayBuffer(4));
function float32(bits: number): number {
  view.setUint32(0, bits);
  return view.getFloat32(0);
}

function isMissing(type: number, v: number): boolean {
  return type === BCF_FLOAT ? v === FLOAT_MISSING : v === INT_MISSING[type];
}

function isVectorEnd(type: number, v: number): boolean {
  return type === BCF_FLOAT ? v === FLOAT_VECTOR_END : v === INT_MISSING[type]! + 1;
}

/**
 * The VCF line of one BCF record, `bytes[start, end)` (shared then per-sample data, without
 * the two length words), formatted the way `bcftools view` formats it.
 */
export function bcfRecordLine(
  bytes: Buffer,
  start: number,
  sharedEnd: number,
  end: number,
  header: BcfHeader,
): string {
  if (sharedEnd - start < 24)
    throw new BcfRecordError(`shared part of ${sharedEnd - start} bytes, expected at least 24`);
  const chromId = bytes.readInt32LE(start);
  const chrom = header.contigs[chromId];
  if (chrom === undefined)
    throw new BcfRecordError(
      `contig id ${chromId}, expected one of the ${header.contigs.length} ##contig lines of the header`,
    );
  const pos = bytes.readInt32LE(start + 4) + 1;
  const qualBits = bytes.readUInt32LE(start + 12);
  const nInfo = bytes.readUInt16LE(start + 16);
  const nAllele = bytes.readUInt16LE(start + 18);
  const nSample = bytes.readUIntLE(start + 20, 3);
  const nFormat = bytes[start + 23]!;
  if (nSample !== header.vcf.samples.length && nFormat > 0)
    throw new BcfRecordError(`${nSample} samples, expected the header's ${header.vcf.samples.length}`);
  const c = new Cursor(bytes, start + 24, sharedEnd);
  const key = (id: number, what: string): string => {
    const name = header.keys[id];
    if (name === undefined) throw new BcfRecordError(`${what} id ${id} is not in the header's dictionary`);
    return name;
  };
  out.n = 0; // a record that failed half-way leaves nothing behind
  out.text(chrom);
  out.byte(TAB);
  out.int(pos);
  out.byte(TAB);
  const idType = c.descriptor();
  c.text(idType.type, idType.count, out);
  for (let i = 0; i < Math.max(nAllele, 2); i++) {
    out.byte(i < 2 ? TAB : COMMA);
    if (i < nAllele) {
      const d = c.descriptor();
      c.text(d.type, d.count, out);
    } else out.byte(DOT);
  }
  out.byte(TAB);
  if (qualBits === FLOAT_MISSING) out.byte(DOT);
  else out.ascii(formatFloat32(float32(qualBits)));
  out.byte(TAB);
  const filterType = c.descriptor();
  for (let i = 0; i < filterType.count; i++) {
    if (i) out.byte(SEMICOLON);
    out.text(key(c.value(filterType.type), 'FILTER'));
  }
  if (!filterType.count) out.byte(DOT);
  out.byte(TAB);
  for (let i = 0; i < nInfo; i++) {
    if (i) out.byte(SEMICOLON);
    out.text(key(c.int(), 'INFO'));
    const d = c.descriptor();
    if (d.count === 0 || d.type === 0) c.at += d.count * SIZE[d.type]!;
    else {
      out.byte(EQUALS);
      c.text(d.type, d.count, out);
    }
  }
  if (!nInfo) out.byte(DOT);
  if (nSample === 0) return out.take();
  const s = new Cursor(bytes, sharedEnd, end);
  const keys: string[] = [];
  const values: Array<{ at: number; type: number; count: number }> = [];
  for (let f = 0; f < nFormat; f++) {
    keys.push(key(s.int(), 'FORMAT'));
    const { type, count } = s.descriptor();
    values.push({ at: s.at, type, count });
    s.need(nSample * count * SIZE[type]!);
    s.at += nSample * count * SIZE[type]!;
  }
  // htslib prints only the last key named GT as a genotype (htslib/noroundtrip.vcf has two).
  const gt = keys.lastIndexOf('GT');
  // A record with samples but no FORMAT keys prints `.` for FORMAT and each sample, as htslib does.
  out.byte(TAB);
  out.text(keys.length ? keys.join(':') : '.');
  for (let j = 0; j < nSample; j++) {
    out.byte(TAB);
    if (!values.length) out.byte(DOT);
    for (let f = 0; f < values.length; f++) {
      const { at, type, count } = values[f]!;
      if (f) out.byte(COLON);
      s.at = at + j * count * SIZE[type]!;
      if (f === gt && type !== BCF_CHAR) s.genotype(type, count, out);
      else s.text(type, count, out);
    }
  }
  return out.take();
}
