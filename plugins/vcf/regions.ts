import { existsSync } from 'node:fs';
import { TabixIndexedFile } from '@gmod/tabix';
import type { StageContext } from '../../src/plugin-api/index.js';
import { recordEnd } from './span.js';

/** A region to read: 0-based start, end exclusive, on one contig. */
export interface Region {
  chrom: string;
  start: number;
  end: number;
}

/** One line of a region query and where it came from (for messages). */
export interface RegionLine {
  line: string;
  where: string;
}

const WINDOW = 1 << 22;

/**
 * Parses regions as bcftools writes them: `chr1`, `chr1:1000-2000` (1-based, inclusive),
 * `chr1:1000-` and `chr1:1000`. A name that is itself a contig wins over a `:` split, so
 * contigs with colons in their names work.
 */
export function parseRegion(text: string, contigs: readonly string[]): Region {
  if (contigs.includes(text)) return { chrom: text, start: 0, end: Number.POSITIVE_INFINITY };
  const colon = text.lastIndexOf(':');
  const range = /^(\d[\d,]*)(?:(-)(\d[\d,]*)?)?$/.exec(colon < 0 ? '' : text.slice(colon + 1));
  if (colon < 0 || !range) {
    return { chrom: text, start: 0, end: Number.POSITIVE_INFINITY };
  }
  const begin = Number(range[1]!.replaceAll(',', ''));
  const end = range[3] ? Number(range[3].replaceAll(',', '')) : range[2] ? Number.POSITIVE_INFINITY : begin;
  if (begin < 1 || end < begin) {
    throw new Error(`region "${text}": bad range, expected chrom:start-end with 1 <= start <= end`);
  }
  return { chrom: text.slice(0, colon), start: begin - 1, end };
}

/** The index beside a bgzipped VCF: `.tbi` first, then `.csi`. */
function findIndex(file: string): { tbiPath: string } | { csiPath: string } | undefined {
  if (existsSync(`${file}.tbi`)) return { tbiPath: `${file}.tbi` };
  if (existsSync(`${file}.csi`)) return { csiPath: `${file}.csi` };
  return undefined;
}

/**
 * The header and the data lines of a bgzipped, indexed VCF that overlap `regionTexts`, in
 * file order, each line once even when regions overlap. Lines are fetched a window at a
 * time so that a whole-contig query does not hold the contig in memory.
 */
export async function openRegions(
  ctx: StageContext<unknown>,
  path: string,
  regionTexts: readonly string[],
): Promise<{ headerText: string; lines: AsyncGenerator<RegionLine[]> }> {
  if (path === '-') throw new Error('regions need an indexed file, not stdin (-)');
  const file = ctx.resolvePath(path);
  ctx.declareInputFile(file);
  const index = findIndex(file);
  if (!index) {
    throw new Error(
      `${path}: regions need an index, expected ${path}.tbi or ${path}.csi (make one with tabix -p vcf)`,
    );
  }
  ctx.declareInputFile('tbiPath' in index ? index.tbiPath : index.csiPath);
  const tabix = new TabixIndexedFile({ path: file, ...index });
  const headerText = await tabix.getHeader({ signal: ctx.signal });
  const contigs = await tabix.getReferenceSequenceNames({ signal: ctx.signal });
  const { maxRefLength } = await tabix.getMetadata({ signal: ctx.signal });
  const parsed = regionTexts.map((text) => parseRegion(text, contigs));
  for (const region of parsed) {
    if (!contigs.includes(region.chrom))
      ctx.log.warn(`${path}: no records on contig "${region.chrom}" in the index`);
  }
  const regions = mergeRegions(parsed, contigs);
  async function* lines(): AsyncGenerator<RegionLine[]> {
    let previous: Region | undefined;
    for (const region of regions) {
      // Records that reach in from the previous region on the contig were given there.
      const givenBefore = previous?.chrom === region.chrom ? previous.end : Number.NEGATIVE_INFINITY;
      previous = region;
      const last = Math.min(region.end, maxRefLength);
      for (let from = region.start; from < last; from += WINDOW) {
        ctx.signal.throwIfAborted();
        const to = Math.min(from + WINDOW, last);
        const found: RegionLine[] = [];
        await tabix.getLines(region.chrom, from, to, {
          signal: ctx.signal,
          lineCallback: (line) => {
            const tab1 = line.indexOf('\t');
            const tab2 = line.indexOf('\t', tab1 + 1);
            const pos = Number(line.slice(tab1 + 1, tab2));
            // A record that began in an earlier window was given there already.
            if (pos - 1 < (from > region.start ? from : givenBefore)) return;
            if (!overlaps(line, pos, region)) return;
            found.push({ line, where: `${path} (${region.chrom}:${pos})` });
          },
        });
        if (found.length) yield found;
      }
    }
  }
  return { headerText, lines: lines() };
}

/** Whether the record spans any of the region, with htslib's idea of the record's end. */
function overlaps(line: string, pos: number, region: Region): boolean {
  if (pos - 1 >= region.end) return false;
  let tab = 0;
  const tabs: number[] = [];
  for (let i = 0; i < 8 && tab >= 0; i++) {
    tab = line.indexOf('\t', tab + (i ? 1 : 0));
    tabs.push(tab);
  }
  const infoStart = tabs[6]! + 1;
  const infoEnd = tabs[7]! < 0 ? line.length : tabs[7]!;
  return recordEnd(line, infoStart, infoEnd, pos, tabs[3]! - tabs[2]! - 1) > region.start;
}

/** Regions in index order, overlapping ones joined, so no record is given twice. */
function mergeRegions(regions: Region[], contigs: readonly string[]): Region[] {
  const order = new Map(contigs.map((name, i) => [name, i]));
  const known = regions.filter((r) => order.has(r.chrom));
  known.sort((a, b) => order.get(a.chrom)! - order.get(b.chrom)! || a.start - b.start);
  const merged: Region[] = [];
  for (const region of known) {
    const last = merged[merged.length - 1];
    if (last && last.chrom === region.chrom && region.start <= last.end)
      last.end = Math.max(last.end, region.end);
    else merged.push({ ...region });
  }
  return merged;
}
