import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStageForTest, stageFailure } from '../../src/plugin-api/testing.js';
import { ifSharedData, sharedData } from '../../test/shared-data.js';
import { type ContextRecord, context } from './context.js';
import type { Reference } from './reference.js';
import { ReferenceCache } from './reference-cache.js';
import { parseFastaText } from './test-helpers.js';

const vcf = sharedData('vcf/bcftools/mpileup.vcf');
const reference = sharedData('bam/bcftools-mpileup/mpileup.ref.fa');
const contigLength = 4200;
const flank = 20;

/** VCF records as the vcf plugin gives them (the fields fasta.context reads), via bcftools query. */
const variants = ifSharedData(
  () =>
    execFileSync('bcftools', ['query', '-f', '%CHROM\t%POS\t%ID\t%REF\t%ALT\n', vcf])
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => {
        const [chrom, pos, id, ref, alt] = line.split('\t') as [string, string, string, string, string];
        return { chrom, pos: Number(pos), id, ref, alt: alt === '.' ? [] : alt.split(','), line };
      }),
  [],
);

function window(pos: number, ref: string): { start: number; end: number } {
  return { start: Math.max(0, pos - 1 - flank), end: Math.min(contigLength, pos - 1 + ref.length + flank) };
}

describe('fasta.context', () => {
  // bcftools' test VCF has 5 records whose REF disagrees with mpileup.ref.fa (17:3-7); bcftools
  // norm --check-ref lists them, and skip mode must flag exactly those.
  it('gives samtools faidx windows for every mpileup.vcf record, ALT spliced in', async () => {
    const bcftoolsMismatches = execFileSync('sh', [
      '-c',
      `bcftools norm --check-ref w -f '${reference}' '${vcf}' -Ov -o /dev/null 2>&1 | grep '^REF_MISMATCH' | cut -f2,3`,
    ])
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => line.replace('\t', ':'));
    expect(bcftoolsMismatches).toHaveLength(5);
    const dir = mkdtempSync(join(tmpdir(), 'fasta-context-'));
    const regionsFile = join(dir, 'regions.txt');
    const windows = variants.map((v) => window(v.pos, v.ref));
    writeFileSync(regionsFile, windows.map((w) => `17:${w.start + 1}-${w.end}\n`).join(''));
    const slices = parseFastaText(
      execFileSync('samtools', ['faidx', '-r', regionsFile, reference]).toString(),
    );
    expect(slices).toHaveLength(variants.length);

    const { records, counters } = await runStageForTest(context, {
      params: { reference, flank, 'on-mismatch': 'skip' },
      inputs: { in: variants },
    });
    const got = records as ContextRecord[];
    expect(got).toHaveLength(variants.length);
    let spliced = 0;
    const mismatches: string[] = [];
    got.forEach((record, i) => {
      const v = variants[i]!;
      const slice = slices[i]!.seq;
      expect(record.source).toBe(v);
      if (record.invalid?.includes('does not match')) {
        mismatches.push(`${v.chrom}:${v.pos}`);
        expect(record.seq).toBe('');
        return;
      }
      const alt = v.alt.find((a) => /^[ACGTN]+$/i.test(a));
      if (alt === undefined) {
        expect(record).toMatchObject({ id: `17:${v.pos}:${v.ref}>${v.alt.join(',')}`, seq: '' });
        expect(record.invalid).toMatch(/^no ALT allele with bases/);
        return;
      }
      const at = v.pos - 1 - windows[i]!.start;
      expect(slice.slice(at, at + v.ref.length)).toBe(v.ref);
      expect(record).toMatchObject({ id: `17:${v.pos}:${v.ref}>${alt}`, chrom: '17', ...windows[i] });
      expect(record.refSeq).toBe(slice);
      expect(record.seq).toBe(slice.slice(0, at) + alt + slice.slice(at + v.ref.length));
      expect(record.invalid).toBeUndefined();
      spliced++;
    });
    expect(mismatches).toEqual(bcftoolsMismatches);
    // 107 records have an ALT with bases; 5 of them are the REF mismatches
    expect(spliced).toBe(102);
    expect(counters).toMatchObject({ invalid: variants.length - spliced, 'ref-mismatch': 5 });
  });

  it('fails on a REF that disagrees with the reference, naming the record', async () => {
    const base = variants.find((v) => v.ref === 'A' && v.pos > 10)!;
    const wrong = { ...base, ref: 'G' };
    expect(await stageFailure(context, { reference, flank }, { in: [wrong] })).toBe(
      `${reference}: record 17:${base.pos}: REF 'G' does not match reference 'A', expected the VCF's reference genome`,
    );
  });

  it('in skip mode marks mismatches and unknown contigs invalid and keeps the order', async () => {
    const good = variants.find((v) => v.alt[0] === 'A')!;
    const mismatch = { ...good, ref: good.ref === 'C' ? 'G' : 'C' };
    const elsewhere = { ...good, chrom: 'chrZ' };
    const { records, counters } = await runStageForTest(context, {
      params: { reference, flank, 'on-mismatch': 'skip' },
      inputs: { in: [mismatch, elsewhere, good] },
    });
    const got = records as ContextRecord[];
    expect(got.map((r) => [r.seq === '', r.invalid])).toEqual([
      [true, `REF '${mismatch.ref}' does not match reference '${good.ref}'`],
      [true, `contig 'chrZ' is not in ${reference}`],
      [false, undefined],
    ]);
    expect(got.map((r) => r.source)).toEqual([mismatch, elsewhere, good]);
    expect(counters).toMatchObject({ invalid: 2, 'ref-mismatch': 1 });
  });

  it('reads a bgzipped reference (fai + gzi) to the same windows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fasta-context-bgzip-'));
    const bgzipped = join(dir, 'ref.fa.gz');
    execFileSync('sh', ['-c', `bgzip -c '${reference}' > '${bgzipped}' && samtools faidx '${bgzipped}'`]);
    const options = { inputs: { in: variants }, params: { flank, 'on-mismatch': 'skip' } };
    const plain = await runStageForTest(context, { ...options, params: { ...options.params, reference } });
    const viaGzi = await runStageForTest(context, {
      ...options,
      params: { ...options.params, reference: bgzipped },
    });
    const windowsOf = (records: unknown[]) =>
      (records as ContextRecord[]).map((r) => [r.id, r.seq, r.refSeq]);
    expect(windowsOf(viaGzi.records)).toEqual(windowsOf(plain.records));
    expect(viaGzi.inputFiles).toEqual([bgzipped, `${bgzipped}.fai`, `${bgzipped}.gzi`]);
  });

  it('reads a sorted input with one reference lookup per neighbourhood', async () => {
    const bases = wholeContig();
    let lookups = 0;
    const counting: Reference = {
      path: 'memory',
      lengths: new Map([['17', bases.length]]),
      async fetch(_chrom, start, end) {
        lookups++;
        return bases.slice(start, end);
      },
      async close() {},
    };
    const cache = new ReferenceCache(counting);
    for (const v of variants) {
      const { start, end } = window(v.pos, v.ref);
      expect(await cache.slice('17', start, end)).toBe(bases.slice(start, end));
    }
    expect(lookups).toBe(1);
  });
});

function wholeContig(): string {
  return parseFastaText(execFileSync('samtools', ['faidx', reference, '17']).toString())[0]!.seq;
}
