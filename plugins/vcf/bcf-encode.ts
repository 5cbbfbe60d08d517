import { encodeBcfHeader } from './bcf-header.js';
import {
  BCF_CHAR,
  BCF_FLOAT,
  BCF_INT8,
  BCF_INT16,
  BCF_INT32,
  FLOAT_MISSING,
  FLOAT_VECTOR_END,
  INT_MISSING,
} from './bcf-record.js';
import type { VcfHeader } from './header.js';
import { VcfLineError } from './line-error.js';
import { recordEnd } from './span.js';

/** A value that is `.` in VCF, and the padding after a shorter vector (htslib's two markers). */
const MISSING = null;
const END = undefined;
type Value = number | null | undefined;

/** Appends little-endian values to a growing buffer. */
class ByteWriter {
  bytes = Buffer.allocUnsafe(1 << 16);
  length = 0;

  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.length + n));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }

  u8(v: number): void {
    this.reserve(1);
    this.bytes[this.length++] = v;
  }

  u32(v: number, at = -1): void {
    if (at >= 0) {
      this.bytes.writeUInt32LE(v, at);
      return;
    }
    this.reserve(4);
    this.length = this.bytes.writeUInt32LE(v, this.length);
  }

  descriptor(type: number, count: number): void {
    if (count < 15) {
      this.u8((count << 4) | type);
      return;
    }
    this.u8(0xf0 | type);
    this.ints([count]);
  }

  /** Integers as a typed vector of the smallest type that holds them (as htslib picks it). */
  ints(values: Value[], count = values.length): void {
    const type = intType(values);
    this.descriptor(type, count);
    this.intValues(type, values, count);
  }

  intValues(type: number, values: Value[], count: number): void {
    const size = type === BCF_INT8 ? 1 : type === BCF_INT16 ? 2 : 4;
    this.reserve(size * count);
    const missing = INT_MISSING[type]!;
    for (let i = 0; i < count; i++) {
      const v = i < values.length ? values[i] : END;
      const n = v === MISSING ? missing : v === END ? missing + 1 : v;
      if (type === BCF_INT8) this.length = this.bytes.writeInt8(n, this.length);
      else if (type === BCF_INT16) this.length = this.bytes.writeInt16LE(n, this.length);
      else this.length = this.bytes.writeInt32LE(n, this.length);
    }
  }

  floatValues(values: Value[], count: number): void {
    this.reserve(4 * count);
    for (let i = 0; i < count; i++) {
      const v = i < values.length ? values[i] : END;
      if (v === MISSING) this.length = this.bytes.writeUInt32LE(FLOAT_MISSING, this.length);
      else if (v === END) this.length = this.bytes.writeUInt32LE(FLOAT_VECTOR_END, this.length);
      else this.length = this.bytes.writeFloatLE(v, this.length);
    }
  }

  /** `text` as UTF-8, padded with NULs to `size` bytes. */
  chars(text: string, size: number): void {
    this.reserve(size);
    const written = this.bytes.write(text, this.length, 'utf8');
    this.bytes.fill(0, this.length + written, this.length + size);
    this.length += size;
  }

  string(text: string): void {
    const size = Buffer.byteLength(text);
    this.descriptor(BCF_CHAR, size);
    this.chars(text, size);
  }
}

function intType(values: Value[]): number {
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (typeof v !== 'number') continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= -120 && max <= 127) return BCF_INT8;
  if (min >= -32760 && max <= 32767) return BCF_INT16;
  if (min >= -2147483640 && max <= 2147483647) return BCF_INT32;
  throw new VcfLineError(
    `integer ${min < -2147483640 ? min : max} does not fit BCF's 32 bits, expected a smaller value (write VCF instead)`,
  );
}

function integerValue(text: string, what: string): Value {
  if (text === '.') return MISSING;
  const n = Number(text);
  if (!Number.isInteger(n))
    throw new VcfLineError(
      `${what} value "${text}" is not an integer, expected an Integer as the header declares`,
    );
  return n;
}

function floatValue(text: string, what: string): Value {
  if (text === '.') return MISSING;
  const n = Number(text);
  if (Number.isNaN(n) && !/^nan$/i.test(text))
    throw new VcfLineError(
      `${what} value "${text}" is not a number, expected a Float as the header declares`,
    );
  return n;
}

/** One sample's GT as BCF allele codes: (allele + 1) << 1 | phased, 0 for a missing allele. */
function genotypeCodes(text: string): Value[] {
  const codes: Value[] = [];
  let phased = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text.charCodeAt(i);
    if (i < text.length && c !== 47 && c !== 124) continue;
    const allele = text.slice(start, i);
    if (allele !== '' || i > 0) {
      const n = allele === '.' ? -1 : Number(allele);
      if (!Number.isInteger(n))
        throw new VcfLineError(`GT "${text}" is not a genotype, expected alleles like 0/1 or 0|1`);
      codes.push(((n + 1) << 1) | phased);
    }
    phased = c === 124 ? 1 : 0;
    start = i + 1;
  }
  return codes;
}

/**
 * Encodes VCF lines of one header as BCF 2.2 records. Every contig, FILTER, INFO and
 * FORMAT key a record uses must be declared in the header, as htslib requires for BCF.
 */
export function bcfEncoder(header: VcfHeader) {
  const { bytes: headerBytes, contigs, keys } = encodeBcfHeader(header);
  const out = new ByteWriter();
  const sampleCount = header.samples.length;

  const keyId = (key: string, what: string): number => {
    const id = keys.get(key);
    if (id === undefined)
      throw new VcfLineError(
        `${what} "${key}" is not declared in the header, expected a ##${what.split('/')[0]} line for it (BCF needs one)`,
      );
    return id;
  };

  function info(text: string): number {
    if (text === '.' || text === '') return 0;
    let count = 0;
    for (const entry of text.split(';')) {
      if (entry === '') continue;
      const eq = entry.indexOf('=');
      const key = eq < 0 ? entry : entry.slice(0, eq);
      const type = header.info.get(key);
      out.ints([keyId(key, 'INFO')]);
      count++;
      const raw = entry.slice(eq + 1);
      if (eq < 0 || type?.type === 'Flag') out.descriptor(0, 0);
      else if (type?.type === 'Integer') out.ints(raw.split(',').map((v) => integerValue(v, `INFO/${key}`)));
      else if (type?.type === 'Float') {
        const values = raw.split(',').map((v) => floatValue(v, `INFO/${key}`));
        out.descriptor(BCF_FLOAT, values.length);
        out.floatValues(values, values.length);
      } else out.string(raw);
    }
    return count;
  }

  function format(formatText: string, samples: string[]): number {
    const names = formatText === '.' ? [] : formatText.split(':');
    const values = samples.map((s) => s.split(':'));
    const gt = names.lastIndexOf('GT');
    names.forEach((key, f) => {
      out.ints([keyId(key, 'FORMAT')]);
      const texts = values.map((v) => v[f] ?? '.');
      const type = header.format.get(key)?.type;
      if (f === gt) {
        const codes = texts.map(genotypeCodes);
        const count = Math.max(1, ...codes.map((c) => c.length));
        const codeType = intType(codes.flat());
        out.descriptor(codeType, count);
        for (const c of codes) out.intValues(codeType, c.length ? c : [0], count);
      } else if (type === 'Integer' || type === 'Float') {
        const parse = type === 'Integer' ? integerValue : floatValue;
        const vectors = texts.map((t) => t.split(',').map((v) => parse(v, `FORMAT/${key}`)));
        const count = Math.max(...vectors.map((v) => v.length));
        if (type === 'Float') {
          out.descriptor(BCF_FLOAT, count);
          for (const v of vectors) out.floatValues(v, count);
        } else {
          const t = intType(vectors.flat());
          out.descriptor(t, count);
          for (const v of vectors) out.intValues(t, v, count);
        }
      } else {
        const size = Math.max(...texts.map((t) => Buffer.byteLength(t)));
        out.descriptor(BCF_CHAR, size);
        for (const t of texts) out.chars(t, size);
      }
    });
    return names.length;
  }

  return {
    /** Magic, header length and header text: the start of the BCF stream. */
    headerBytes,
    /** Appends the BCF record of one VCF line (throws VcfLineError saying what is wrong). */
    add(line: string): void {
      const columns = line.split('\t');
      if (columns.length < 8) throw new VcfLineError(`${columns.length} columns, expected at least 8`);
      const [chrom, posText, id, ref, alt, qual, filter, infoText] = columns as [string, ...string[]];
      const contig = contigs.get(chrom);
      if (contig === undefined)
        throw new VcfLineError(
          `contig "${chrom}" is not declared in the header, expected a ##contig line for it (BCF needs one)`,
        );
      const pos = Number(posText);
      if (!Number.isInteger(pos) || pos < 1 || pos > 0x7fffffff)
        throw new VcfLineError(
          `POS ${posText} does not fit BCF, expected 1 to 2147483647 (write VCF instead)`,
        );
      const start = out.length;
      out.reserve(32);
      out.length += 8;
      out.u32(contig);
      out.u32(pos - 1);
      let infoStart = 7;
      for (let c = 0; c < 7; c++) infoStart += columns[c]!.length;
      out.u32(recordEnd(line, infoStart, infoStart + infoText!.length, pos, ref!.length) - pos + 1);
      if (qual === '.') out.u32(FLOAT_MISSING);
      else out.floatValues([floatValue(qual!, 'QUAL')], 1);
      const counts = out.length;
      out.length += 8;
      if (id === '.') out.descriptor(BCF_CHAR, 0);
      else out.string(id!);
      const alleles = alt === '.' ? [ref!] : [ref!, ...alt!.split(',')];
      for (const allele of alleles) out.string(allele);
      out.ints(filter === '.' ? [] : filter!.split(';').map((f) => keyId(f, 'FILTER')));
      const nInfo = info(infoText!);
      const sharedEnd = out.length;
      const nFormat = columns.length > 8 ? format(columns[8]!, columns.slice(9, 9 + sampleCount)) : 0;
      out.bytes.writeUInt16LE(nInfo, counts);
      out.bytes.writeUInt16LE(alleles.length, counts + 2);
      out.bytes.writeUIntLE(columns.length > 8 ? sampleCount : 0, counts + 4, 3);
      out.bytes[counts + 7] = nFormat;
      out.u32(sharedEnd - start - 8, start);
      out.u32(out.length - sharedEnd, start + 4);
    },
    /** The bytes added since the last call; the encoder is empty afterwards. */
    take(): Buffer {
      const taken = Buffer.from(out.bytes.subarray(0, out.length));
      out.length = 0;
      return taken;
    },
    /** Bytes added and not yet taken. */
    get size(): number {
      return out.length;
    },
  };
}
