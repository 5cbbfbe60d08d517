import type { SequenceRecord } from '../../src/plugin-api/index.js';

/** A held-out stretch: a whole chromosome, or `chrom:start-end` (1-based, inclusive), e.g. a gene. */
export interface Region {
  chrom: string;
  start: number;
  end: number;
}

const REGION = /^([^:\s]+)(?::([\d,]+)-([\d,]+))?$/;

export function parseRegion(text: string): Region {
  const match = REGION.exec(text.trim());
  if (!match) throw new Error(`seq.split: holdout region '${text}': expected chrom or chrom:start-end`);
  const [, chrom, from, to] = match;
  if (from === undefined) return { chrom: chrom!, start: 1, end: Number.POSITIVE_INFINITY };
  const start = Number(from.replaceAll(',', ''));
  const end = Number(to!.replaceAll(',', ''));
  if (start < 1 || end < start) {
    throw new Error(`seq.split: holdout region '${text}': expected 1 <= start <= end`);
  }
  return { chrom: chrom!, start, end };
}

/** Where a record lies (1-based): its source variant's position, else its own coordinates. */
export function locus(record: SequenceRecord): { chrom: string; start: number; end: number } | undefined {
  const source = record.source as { chrom?: unknown; pos?: unknown; ref?: unknown } | undefined;
  if (source && typeof source.chrom === 'string' && typeof source.pos === 'number') {
    const length = typeof source.ref === 'string' ? Math.max(1, source.ref.length) : 1;
    return { chrom: source.chrom, start: source.pos, end: source.pos + length - 1 };
  }
  if (record.chrom !== undefined && record.start !== undefined) {
    return { chrom: record.chrom, start: record.start + 1, end: record.end ?? record.start + 1 };
  }
  return undefined;
}

export function overlaps(regions: Region[], at: { chrom: string; start: number; end: number }): boolean {
  return regions.some((r) => r.chrom === at.chrom && at.start <= r.end && at.end >= r.start);
}
