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
  const tabs = [0, 0, 0, 0, 0, 0, 0];
  let found = 0;
  for (let i = 0; found < 7; i++) {
    i = line.indexOf('\t', i);
    if (i < 0) break;
    tabs[found++] = i;
  }
  if (found < 7) {
    throw new VcfLineError(
      `${found + 1} tab-separated column${found ? 's' : ''}, expected at least 8 (CHROM POS ID REF ALT QUAL FILTER INFO)`,
    );
  }
  const infoStart = tabs[6]! + 1;
  let infoEnd = line.indexOf('\t', infoStart);
  if (infoEnd < 0) infoEnd = line.length;
  if (strict) checkLine(line, infoStart, infoEnd, header);
  const pos = parsePosition(line, tabs[0]! + 1, tabs[1]!);
  const altText = line.slice(tabs[3]! + 1, tabs[4]!);
  const qualText = line.slice(tabs[4]! + 1, tabs[5]!);
  let qual: number | null = null;
  if (qualText !== '.' && qualText !== '') {
    qual = Number(qualText);
    if (Number.isNaN(qual) && strict)
      throw new VcfLineError(`QUAL "${qualText}" is not a number, expected a number or "."`);
  }
  return new VcfRecord(line, header, {
    chrom: line.slice(0, tabs[0]!),
    pos,
    id: line.slice(tabs[1]! + 1, tabs[2]!),
    ref: line.slice(tabs[2]! + 1, tabs[3]!),
    alt: altText === '.' || altText === '' ? [] : altText.includes(',') ? altText.split(',') : [altText],
    qual,
    filter: line.slice(tabs[5]! + 1, tabs[6]!),
    infoStart,
    infoEnd,
  });
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
