import type { VcfHeader } from './header.js';
import { parseInfo } from './info.js';
import { VcfLineError } from './line-error.js';
import { checkLine } from './validate.js';

const TAB = 9;
const COLON = 58;

/**
 * Port `vcf-record`: one VCF data line. The fixed columns are parsed up front; INFO and
 * the sample columns only when touched, and then cached. `line` is kept so that a record
 * nobody changed is written back byte for byte.
 */
export class VcfRecord {
  chrom: string;
  /** 1-based. */
  pos: number;
  id: string;
  ref: string;
  /** ALT alleles; empty when ALT is `.`. */
  alt: string[];
  qual: number | null;
  filter: string;
  readonly line: string;
  readonly header: VcfHeader;
  /** INFO fields to add when the record is written (a missing or NaN value adds nothing). */
  infoAdd?: Record<string, string | number>;
  /** Where INFO sits in `line` (start, end), so it can be read or replaced without splitting. */
  readonly infoStart: number;
  readonly infoEnd: number;
  private infoCache: Record<string, unknown> | undefined;
  // Private fields: neither copied to another thread nor stored in the cache.
  #source: Buffer | undefined;
  #sourceStart = 0;
  private samplesCache: Record<string, Record<string, string>> | undefined;

  constructor(line: string, header: VcfHeader, fields: FixedFields) {
    this.line = line;
    this.header = header;
    this.chrom = fields.chrom;
    this.pos = fields.pos;
    this.id = fields.id;
    this.ref = fields.ref;
    this.alt = fields.alt;
    this.qual = fields.qual;
    this.filter = fields.filter;
    this.infoStart = fields.infoStart;
    this.infoEnd = fields.infoEnd;
  }

  /**
   * Remembers that `line` and its newline lie unchanged at `start` in the input bytes
   * `bytes`, so a writer can copy them instead of encoding the string again.
   */
  keepSource(bytes: Buffer, start: number): void {
    this.#source = bytes;
    this.#sourceStart = start;
  }

  /** The input bytes holding the line (see `keepSource`), if known. */
  get inputBytes(): Buffer | undefined {
    return this.#source;
  }

  /** Where the line starts in `inputBytes`; it ends, with its newline, `line.length + 1` later. */
  get inputStart(): number {
    return this.#sourceStart;
  }

  /** INFO as key -> value: numbers for Integer/Float, arrays when Number is not 1, true for flags. */
  get info(): Record<string, unknown> {
    this.infoCache ??= parseInfo(this.line.slice(this.infoStart, this.infoEnd), this.header.info);
    return this.infoCache;
  }

  /** FORMAT keys (empty when the line has no FORMAT column). */
  get formatKeys(): string[] {
    if (this.infoEnd >= this.line.length) return [];
    const end = this.line.indexOf('\t', this.infoEnd + 1);
    const format = this.line.slice(this.infoEnd + 1, end < 0 ? this.line.length : end);
    return format === '' || format === '.' ? [] : format.split(':');
  }

  /** Every sample's FORMAT values as raw strings: `samples.NA001.GT === '0|1'`. */
  get samples(): Record<string, Record<string, string>> {
    if (this.samplesCache) return this.samplesCache;
    const keys = this.formatKeys;
    const columns = this.line
      .slice(this.infoEnd + 1)
      .split('\t')
      .slice(1);
    const samples: Record<string, Record<string, string>> = {};
    this.header.samples.forEach((name, i) => {
      const values = (columns[i] ?? '').split(':');
      const sample: Record<string, string> = {};
      keys.forEach((key, k) => {
        sample[key] = values[k] ?? '.';
      });
      samples[name] = sample;
    });
    this.samplesCache = samples;
    return samples;
  }

  /**
   * The GT string of every sample, in header order, read without parsing any other FORMAT
   * field (`.` where a sample has no GT).
   */
  genotypes(): string[] {
    const line = this.line;
    const count = this.header.samples.length;
    const out = new Array<string>(count).fill('.');
    if (count === 0 || this.infoEnd >= line.length) return out;
    const formatStart = this.infoEnd + 1;
    const formatEnd = line.indexOf('\t', formatStart);
    if (formatEnd < 0) return out;
    const gtIndex = fieldIndex(line, formatStart, formatEnd, 'GT');
    if (gtIndex < 0) return out;
    const length = line.length;
    let column = formatEnd + 1;
    for (let s = 0; s < count && column <= length; s++) {
      let start = column;
      for (let sub = 0; sub < gtIndex && start >= 0; sub++) {
        start = nextSeparator(line, start);
        start = start < length && line.charCodeAt(start) === COLON ? start + 1 : -1;
      }
      if (start >= 0) {
        const end = nextSeparator(line, start);
        if (end > start) out[s] = line.slice(start, end);
        column = end;
      }
      const tab = line.indexOf('\t', column);
      if (tab < 0) break;
      column = tab + 1;
    }
    return out;
  }

  /** The record as a VCF line: the original line, with `infoAdd` merged into INFO. */
  toString(): string {
    const added = this.infoAdd;
    if (!added) return this.line;
    return withAddedInfo(this.line, this.infoStart, this.infoEnd, added);
  }
}

/** The index of the next `:` or tab at or after `from`, or the line's length. */
function nextSeparator(line: string, from: number): number {
  let i = from;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === COLON || c === TAB) return i;
    i++;
  }
  return i;
}

function fieldIndex(line: string, start: number, end: number, key: string): number {
  let index = 0;
  let fieldStart = start;
  for (let i = start; i <= end; i++) {
    if (i === end || line.charCodeAt(i) === COLON) {
      if (i - fieldStart === key.length && line.startsWith(key, fieldStart)) return index;
      index++;
      fieldStart = i + 1;
    }
  }
  return -1;
}

/** Rewrites INFO with `added` keys (replacing same-named ones); `.` when nothing is left. */
export function withAddedInfo(
  line: string,
  infoStart: number,
  infoEnd: number,
  added: Record<string, string | number | undefined | null>,
): string {
  const original = line.slice(infoStart, infoEnd);
  const keys = Object.keys(added);
  const parts = original === '.' || original === '' ? [] : original.split(';');
  const kept = parts.filter((part) => {
    const eq = part.indexOf('=');
    return !keys.includes(eq < 0 ? part : part.slice(0, eq));
  });
  for (const key of keys) {
    const value = added[key];
    if (value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value))) continue;
    kept.push(`${key}=${value}`);
  }
  const info = kept.length ? kept.join(';') : '.';
  if (info === original) return line;
  return line.slice(0, infoStart) + info + line.slice(infoEnd);
}

export interface FixedFields {
  chrom: string;
  pos: number;
  id: string;
  ref: string;
  alt: string[];
  qual: number | null;
  filter: string;
  infoStart: number;
  infoEnd: number;
}

/**
 * Reads the fixed columns of a data line, scanning for the first 8 tabs only. With
 * `strict`, the line is first checked the way bcftools checks it (see validate.ts).
 */
export function parseRecord(line: string, header: VcfHeader, strict: boolean): VcfRecord {
  const t0 = line.indexOf('\t');
  const t1 = t0 < 0 ? -1 : line.indexOf('\t', t0 + 1);
  const t2 = t1 < 0 ? -1 : line.indexOf('\t', t1 + 1);
  const t3 = t2 < 0 ? -1 : line.indexOf('\t', t2 + 1);
  const t4 = t3 < 0 ? -1 : line.indexOf('\t', t3 + 1);
  const t5 = t4 < 0 ? -1 : line.indexOf('\t', t4 + 1);
  const t6 = t5 < 0 ? -1 : line.indexOf('\t', t5 + 1);
  if (t6 < 0) {
    const found = [t0, t1, t2, t3, t4, t5].filter((t) => t >= 0).length;
    throw new VcfLineError(
      `${found + 1} tab-separated column${found ? 's' : ''}, expected at least 8 (CHROM POS ID REF ALT QUAL FILTER INFO)`,
    );
  }
  const infoStart = t6 + 1;
  let infoEnd = line.indexOf('\t', infoStart);
  if (infoEnd < 0) infoEnd = line.length;
  if (strict) checkLine(line, infoStart, infoEnd, header);
  const pos = parsePosition(line, t0 + 1, t1);
  const qual = parseQual(line, t4 + 1, t5, strict);
  const altText = line.slice(t3 + 1, t4);
  return new VcfRecord(line, header, {
    chrom: (lastChrom = repeated(line, 0, t0, lastChrom)),
    pos,
    id: line.slice(t1 + 1, t2),
    ref: line.slice(t2 + 1, t3),
    alt: altText === '.' || altText === '' ? [] : altText.includes(',') ? altText.split(',') : [altText],
    qual,
    filter: (lastFilter = repeated(line, t5 + 1, t6, lastFilter)),
    infoStart,
    infoEnd,
  });
}

// CHROM and FILTER mostly repeat from line to line: one string each, not one per record.
let lastChrom = '';
let lastFilter = '';

function repeated(line: string, start: number, end: number, last: string): string {
  return end - start === last.length && line.startsWith(last, start) ? last : line.slice(start, end);
}

/**
 * QUAL as a number (null for `.`). Plain decimals of up to 15 digits are read here exactly
 * as `Number` reads them (an integer divided by a power of ten is correctly rounded), which
 * is several times faster; anything else goes to `Number`.
 */
function parseQual(line: string, start: number, end: number, strict: boolean): number | null {
  if (end === start || (end === start + 1 && line.charCodeAt(start) === 46)) return null;
  let digits = 0;
  let value = 0;
  let scale = 1;
  let dot = false;
  let i = start;
  for (; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      if (dot) scale *= 10;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (i === end && digits > 0 && digits <= 15) return value / scale;
  const text = line.slice(start, end);
  const qual = Number(text);
  if (Number.isNaN(qual) && strict)
    throw new VcfLineError(`QUAL "${text}" is not a number, expected a number or "."`);
  return qual;
}

function parsePosition(line: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = line.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) {
      throw new VcfLineError(
        `POS "${line.slice(start, end)}" is not a whole number, expected a 1-based position`,
      );
    }
    value = value * 10 + digit;
  }
  if (end === start) throw new VcfLineError('POS is empty, expected a 1-based position');
  return value;
}
