import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sharedData, sharedDataRoot } from '../../test/shared-data.js';
import type { VcfRecord } from './record.js';
import {
  bcftoolsAccepts,
  hasGenotypeTag,
  queryLine,
  readVcf,
  readVcfError,
  run,
  vcfFiles,
} from './test-helpers.js';

const root = sharedData('vcf');
const files = vcfFiles(root);
const accepted = files.filter(bcftoolsAccepts);
const malformed = files.filter((f) => !accepted.includes(f)).map((f) => relative(root, f));

describe('vcf.read on every VCF of the shared data that bcftools reads', () => {
  it('finds the 8 files bcftools rejects, as the data README lists them', () => {
    expect(malformed).toEqual([
      'htslib/vcf44_1.vcf',
      'pyvcf/example-4.1-bnd.vcf',
      'pyvcf/example-4.2.vcf.gz',
      'pyvcf/metadata-whitespace.vcf.gz',
      'pyvcf/strelka.vcf.gz',
      'vcfjs/breakends.vcf',
      'vcfjs/vcf4.3_spec_bnd.vcf',
      'vcfjs/weird_info_and_missing_format.vcf',
    ]);
  });

  it.each(accepted.map((f) => [relative(sharedDataRoot, f), f]))(
    '%s: CHROM POS REF ALT and every GT equal bcftools query',
    async (_name, file) => {
      const { records } = await readVcf({ path: file });
      expect(records.length).toBe(Number(run('sh', ['-c', `bcftools view -H '${file}' | wc -l`]).trim()));
      // bcftools query refuses %GT when the header declares no FORMAT/GT: compare the rest.
      const withGenotypes = hasGenotypeTag(file);
      const format = withGenotypes ? '%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n' : '%CHROM\t%POS\t%REF\t%ALT\n';
      const ours = records.map((r) => queryLine(r, withGenotypes));
      expect(ours.join('\n') + (records.length ? '\n' : '')).toBe(
        run('bcftools', ['query', '-f', format, file]),
      );
    },
  );
});

/** Each malformed file: the first bad line and the lines bcftools rejects when made to go on. */
const rejectedFiles: Array<[string, string, number, number]> = [
  // [file, message start (file:line: ...), rejected lines in skip mode, records kept]
  ['htslib/vcf44_1.vcf', 'vcf44_1.vcf:8: sample "HG00097": GT "/0|1" is not a genotype', 22, 6],
  ['pyvcf/example-4.1-bnd.vcf', 'example-4.1-bnd.vcf:24: bad #CHROM line', 1, 10],
  ['pyvcf/example-4.2.vcf.gz', 'example-4.2.vcf.gz:48: bad #CHROM line', 9, 0],
  [
    'pyvcf/metadata-whitespace.vcf.gz',
    'metadata-whitespace.vcf.gz:42: meta-information line contains a tab',
    10,
    0,
  ],
  ['pyvcf/strelka.vcf.gz', 'strelka.vcf.gz:55: sample "NORMAL.variant2" has an empty column', 3, 0],
  ['vcfjs/breakends.vcf', 'breakends.vcf:1: the file does not start with ##fileformat', 1, 3],
  ['vcfjs/vcf4.3_spec_bnd.vcf', 'vcf4.3_spec_bnd.vcf:1: the file does not start with ##fileformat', 1, 6],
  [
    'vcfjs/weird_info_and_missing_format.vcf',
    'weird_info_and_missing_format.vcf:1: the file does not start',
    7,
    0,
  ],
];

describe('vcf.read on the files bcftools rejects', () => {
  it.each(rejectedFiles)('%s fails with file:line and what is wrong', async (name, message) => {
    expect((await readVcfError({ path: sharedData(`vcf/${name}`) })).message).toContain(message);
  });

  it.each(rejectedFiles)('%s in skip mode: %#', async (name, _message, rejected, kept) => {
    const rejects = join(mkdtempSync(join(tmpdir(), 'vcf-rejects-')), 'rejects.txt');
    const { records, counters } = await readVcf({
      path: sharedData(`vcf/${name}`),
      'on-invalid': 'skip',
      rejects,
    });
    expect(counters.rejected).toBe(rejected);
    expect(records.length).toBe(kept);
    // Every rejected line is in the rejects file, verbatim (a missing ##fileformat has no line).
    const lines = existsSync(rejects) ? readFileSync(rejects, 'utf8').split('\n').slice(0, -1) : [];
    const source = run('sh', ['-c', `gzip -cdf '${sharedData(`vcf/${name}`)}'`]).split('\n');
    for (const line of lines) expect(source).toContain(line);
    expect(lines.length).toBe(name.startsWith('vcfjs/') ? rejected - 1 : rejected);
  });
});

describe('vcf.read input forms', () => {
  const mpileup = sharedData('vcf/bcftools/mpileup.vcf.gz');

  it('stdin (-) gives the same records as the file, plain and bgzipped', async () => {
    const fromFile = (await readVcf({ path: mpileup })).records.map((r) => queryLine(r));
    const bytes = readFileSync(mpileup);
    expect((await readVcf({ path: '-' }, bytes)).records.map((r) => queryLine(r))).toEqual(fromFile);
    const plain = Buffer.from(run('gzip', ['-cd', mpileup]));
    expect((await readVcf({ path: '-' }, plain)).records.map((r) => queryLine(r))).toEqual(fromFile);
  });

  it('a truncated bgzip stream is an error saying the byte where the cut block starts', async () => {
    const bytes = readFileSync(mpileup);
    const half = bytes.length >> 1;
    const error = await readVcfError({ path: '-' }, bytes.subarray(0, half));
    const where =
      /^<stdin>: truncated BGZF block at byte (\d+) \(the file was cut short\)(, after line \d+)?$/.exec(
        error.message,
      );
    expect(where, error.message).not.toBeNull();
    // the cut block starts before the cut, less than one block (64 KiB) before it
    expect(Number(where![1])).toBeLessThan(half);
    expect(Number(where![1])).toBeGreaterThan(half - 65536);
  });

  it('a truncated plain gzip stream says how many bytes and lines it got through', async () => {
    const plain = Buffer.from(run('gzip', ['-cd', mpileup]));
    const gzip = gzipSync(plain);
    const error = await readVcfError({ path: '-' }, gzip.subarray(0, gzip.length >> 1));
    const where =
      /^<stdin>: gzip stream is corrupt or truncated \(unexpected end of file\) after (\d+) decompressed bytes(, after line (\d+))?$/.exec(
        error.message,
      );
    expect(where, error.message).not.toBeNull();
    expect(Number(where![1])).toBeGreaterThan(0);
  });

  it('reads INFO lazily with header types, and FORMAT values per sample', async () => {
    const file = sharedData('vcf/variantannotation/chr22.vcf.gz');
    const { records } = await readVcf({ path: file });
    const expected = run('bcftools', ['query', '-f', '%INFO/AN\t%INFO/AC\t%INFO/VT\t[%DS\t]\n', file]);
    const ours = records.map((r) => {
      const ds = Object.values(r.samples).map((s) => s.DS);
      // bcftools prints Float values with %g: 0.000 -> 0, 0.950 -> 0.95
      const dosage = ds.map((d) => (d === undefined || d === '.' ? '.' : String(Number(d))));
      return `${r.info.AN}\t${(r.info.AC as number[]).join(',')}\t${r.info.VT}\t${dosage.join('\t')}\t`;
    });
    expect(ours.join('\n') + '\n').toBe(expected);
  });
});

const SITE = '%CHROM\t%POS\t%ID\t%REF\t%ALT\n';
const siteLine = (r: VcfRecord) => `${r.chrom}\t${r.pos}\t${r.id}\t${r.ref}\t${r.alt.join(',') || '.'}\n`;

describe('vcf.read regions through the index', () => {
  const cases: Array<[string, string[]]> = [
    ['variantannotation/chr22.vcf.gz', ['22:50300000-50400000']],
    [
      'variantannotation/chr22.vcf.gz',
      ['22:50500000-50510000', '22:50400000-50401000', '22:50505000-50520000'],
    ],
    ['variantannotation/chr22.vcf.gz', ['22']],
    ['htslib/index.vcf.gz', ['1:3000000-4000000', '2', 'X:1-5000000']],
  ];
  it.each(cases)('%s %j equals bcftools query -r', async (name, regions) => {
    const file = sharedData(`vcf/${name}`);
    const { records } = await readVcf({ path: file, regions });
    expect(records.length).toBeGreaterThan(0);
    expect(records.map(siteLine).join('')).toBe(
      run('bcftools', ['query', '-r', regions.join(','), '-f', SITE, file]),
    );
  });

  it('uses the .csi index when there is no .tbi', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcf-csi-'));
    const file = join(dir, 'index.vcf.gz');
    copyFileSync(sharedData('vcf/htslib/index.vcf.gz'), file);
    copyFileSync(sharedData('vcf/htslib/index.vcf.gz.csi'), `${file}.csi`);
    const { records } = await readVcf({ path: file, regions: '1:3000000-4000000' });
    expect(records.map(siteLine).join('')).toBe(
      run('bcftools', ['query', '-r', '1:3000000-4000000', '-f', SITE, file]),
    );
    const error = await readVcfError({ path: sharedData('vcf/pyvcf/FT.vcf.gz'), regions: '1' });
    expect(error.message).toMatch(/FT\.vcf\.gz: regions need an index, expected .*FT\.vcf\.gz\.tbi or/);
  });
});
