import type { BamHeader } from './header.js';
import { BamRecord } from './record.js';

const CIGAR_CODES: Record<string, number> = { M: 0, I: 1, D: 2, N: 3, S: 4, H: 5, P: 6, '=': 7, X: 8 };
const BASE_CODES = new Uint8Array(256).fill(15);
[...'=ACMGRSVTWYHKDBN'].forEach((c, i) => {
  BASE_CODES[c.charCodeAt(0)] = i;
  BASE_CODES[c.toLowerCase().charCodeAt(0)] = i;
});
const ARRAY_SIZES: Record<string, number> = { c: 1, C: 1, s: 2, S: 2, i: 4, I: 4, f: 4 };

/** htslib's bin of a 0-based half-open interval (SAM spec 5.3). */
function reg2bin(beg: number, end: number): number {
  end -= 1;
  if (beg >> 14 === end >> 14) return ((1 << 15) - 1) / 7 + (beg >> 14);
  if (beg >> 17 === end >> 17) return ((1 << 12) - 1) / 7 + (beg >> 17);
  if (beg >> 20 === end >> 20) return ((1 << 9) - 1) / 7 + (beg >> 20);
  if (beg >> 23 === end >> 23) return ((1 << 6) - 1) / 7 + (beg >> 23);
  if (beg >> 26 === end >> 26) return ((1 << 3) - 1) / 7 + (beg >> 26);
  return 0;
}

function integer(text: string, what: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text)) throw new Error(`${what} is '${text}', expected an integer`);
  const value = Number(text);
  if (value < min || value > max) throw new Error(`${what} is ${value}, expected ${min}..${max}`);
  return value;
}

/** Encodes one aux field (`NM:i:3`) into its binary form. */
function encodeTag(field: string): Buffer {
  const m = /^([A-Za-z][A-Za-z0-9]):([AifZHB]):(.*)$/s.exec(field);
  if (!m) throw new Error(`tag '${field}' is malformed, expected TAG:TYPE:VALUE`);
  const [, tag, type, value] = m as unknown as [string, string, string, string];
  const head = Buffer.from(tag, 'latin1');
  switch (type) {
    case 'A':
      if (value.length !== 1) throw new Error(`tag ${tag}:A: value '${value}' must be one character`);
      return Buffer.concat([head, Buffer.from(`A${value}`, 'latin1')]);
    case 'Z':
    case 'H':
      return Buffer.concat([head, Buffer.from(`${type}${value}\0`, 'latin1')]);
    case 'f': {
      const v = Number(value);
      if (value === '' || Number.isNaN(v)) throw new Error(`tag ${tag}:f: '${value}' is not a number`);
      const out = Buffer.alloc(7);
      head.copy(out);
      out[2] = 102;
      out.writeFloatLE(v, 3);
      return out;
    }
    case 'i': {
      const v = integer(value, `tag ${tag}:i`, -0x80000000, 0xffffffff);
      const [letter, size] =
        v < 0
          ? v >= -128
            ? ['c', 1]
            : v >= -32768
              ? ['s', 2]
              : ['i', 4]
          : v <= 255
            ? ['C', 1]
            : v <= 65535
              ? ['S', 2]
              : ['I', 4];
      const out = Buffer.alloc(3 + (size as number));
      head.copy(out);
      out[2] = (letter as string).charCodeAt(0);
      if (v < 0) out.writeIntLE(v, 3, size as number);
      else out.writeUIntLE(v, 3, size as number);
      return out;
    }
    default: {
      const [sub = '', ...items] = value.split(',');
      const size = ARRAY_SIZES[sub];
      if (!size) throw new Error(`tag ${tag}:B: array type '${sub}' is not one of cCsSiIf`);
      const out = Buffer.alloc(8 + size * items.length);
      head.copy(out);
      out[2] = 66;
      out[3] = sub.charCodeAt(0);
      out.writeInt32LE(items.length, 4);
      items.forEach((item, i) => {
        const at = 8 + i * size;
        if (sub === 'f') out.writeFloatLE(Number(item), at);
        else if (sub === sub.toLowerCase())
          out.writeIntLE(
            integer(item, `tag ${tag}:B`, -(2 ** (8 * size - 1)), 2 ** (8 * size - 1) - 1),
            at,
            size,
          );
        else out.writeUIntLE(integer(item, `tag ${tag}:B`, 0, 2 ** (8 * size) - 1), at, size);
      });
      return out;
    }
  }
}

/**
 * Encodes one SAM text line as a BAM record, so SAM and BAM input give the same record
 * type. Throws a message saying what is wrong (the caller adds file and line).
 */
export function encodeSamLine(line: string, header: BamHeader): BamRecord {
  const f = line.split('\t');
  if (f.length < 11) throw new Error(`${f.length} fields, expected at least 11 tab-separated fields`);
  const [
    qname,
    flagText,
    rname,
    posText,
    mapqText,
    cigarText,
    rnext,
    pnextText,
    tlenText,
    seqText,
    qualText,
  ] = f as [string, string, string, string, string, string, string, string, string, string, string];
  if (qname.length < 1 || qname.length > 254)
    throw new Error(`QNAME has ${qname.length} characters, expected 1..254`);
  const flag = integer(flagText, 'FLAG', 0, 0xffff);
  const refId = rname === '*' ? -1 : (header.refIds.get(rname) ?? -2);
  if (refId === -2) throw new Error(`RNAME '${rname}' is not a @SQ reference of the header`);
  const pos = integer(posText, 'POS', 0, 0x7fffffff) - 1;
  const mapq = integer(mapqText, 'MAPQ', 0, 255);
  const cigar: number[] = [];
  let refLength = 0;
  if (cigarText !== '*') {
    const re = /(\d+)([MIDNSHP=X])/y;
    for (let m = re.exec(cigarText); m; m = re.exec(cigarText)) {
      cigar.push((Number(m[1]) << 4) | CIGAR_CODES[m[2]!]!);
      if ('MDN=X'.includes(m[2]!)) refLength += Number(m[1]);
      if (re.lastIndex === cigarText.length) break;
    }
    if (re.lastIndex !== cigarText.length)
      throw new Error(`CIGAR '${cigarText}' is malformed, expected e.g. 10M2I5M`);
  }
  const nextRefId = rnext === '*' ? -1 : rnext === '=' ? refId : (header.refIds.get(rnext) ?? -2);
  if (nextRefId === -2) throw new Error(`RNEXT '${rnext}' is not a @SQ reference of the header`);
  const pnext = integer(pnextText, 'PNEXT', 0, 0x7fffffff) - 1;
  const tlen = integer(tlenText, 'TLEN', -0x80000000, 0x7fffffff);
  const seqLength = seqText === '*' ? 0 : seqText.length;
  if (qualText !== '*' && qualText.length !== seqLength) {
    throw new Error(`QUAL has ${qualText.length} characters, expected ${seqLength} (the length of SEQ)`);
  }
  const tags = f.slice(11).map(encodeTag);
  const tagBytes = tags.reduce((n, t) => n + t.length, 0);
  const size = 32 + qname.length + 1 + 4 * cigar.length + ((seqLength + 1) >> 1) + seqLength + tagBytes;
  const buf = Buffer.alloc(size);
  buf.writeInt32LE(refId, 0);
  buf.writeInt32LE(pos, 4);
  buf[8] = qname.length + 1;
  buf[9] = mapq;
  buf.writeUInt16LE(reg2bin(Math.max(pos, 0), Math.max(pos, 0) + (refLength || 1)), 10);
  buf.writeUInt16LE(cigar.length, 12);
  buf.writeUInt16LE(flag, 14);
  buf.writeInt32LE(seqLength, 16);
  buf.writeInt32LE(nextRefId, 20);
  buf.writeInt32LE(pnext, 24);
  buf.writeInt32LE(tlen, 28);
  let p = 32 + buf.write(qname, 32, 'latin1') + 1;
  for (const op of cigar) p = buf.writeUInt32LE(op >>> 0, p);
  for (let i = 0; i < seqLength; i += 2) {
    const hi = BASE_CODES[seqText.charCodeAt(i)]!;
    const lo = i + 1 < seqLength ? BASE_CODES[seqText.charCodeAt(i + 1)]! : 0;
    buf[p++] = (hi << 4) | lo;
  }
  for (let i = 0; i < seqLength; i++) buf[p++] = qualText === '*' ? 0xff : qualText.charCodeAt(i) - 33;
  for (const t of tags) p += t.copy(buf, p);
  return new BamRecord(buf, 0, size, header);
}
