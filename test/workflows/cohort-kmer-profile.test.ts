import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, type TraceRow } from '../../src/engine/trace.js';
import { cli, repoRoot, tempDir } from '../helpers.js';
import { sharedData } from '../shared-data.js';

/** Four BAMs from four sources, and a fifth added later. */
const cohort = {
  ex1: 'bam/rsamtools/ex1.bam',
  ce: 'bam/htslib-ce/ce_1000.sorted.bam',
  mpileup: 'bam/bcftools-mpileup/mpileup.1.bam',
  paired: 'bam/bamjs/paired.bam',
};
const added = { nanopore: 'bam/mosdepth/nanopore.bam' };

/** What samtools says of a BAM's primary reads: count, bases and G+C over A, C, G, T. */
function samtoolsProfile(bam: string) {
  const reads = Number(execFileSync('samtools', ['view', '-c', '-F', '0x900', bam], { encoding: 'utf8' }));
  const seqs = execFileSync('samtools', ['view', '-F', '0x900', bam], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t')[9]!)
    .map((seq) => (seq === '*' ? '' : seq.toUpperCase()));
  const bases = seqs.reduce((n, s) => n + s.length, 0);
  const acgt = seqs.reduce((n, s) => n + (s.match(/[ACGT]/g)?.length ?? 0), 0);
  const gc = seqs.reduce((n, s) => n + (s.match(/[GC]/g)?.length ?? 0), 0);
  return { reads, bases, gc: gc / acgt };
}

/** A sheet beside its BAMs' relative paths (they are resolved against the sheet). */
function writeSheet(file: string, samples: Record<string, string>) {
  const rows = Object.entries(samples).map(([sample, bam]) => `${sample}\t${relative(dirname(file), bam)}`);
  writeFileSync(file, `sample\tbam\n${rows.join('\n')}\n`);
}

const rowsOf = (file: string) =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));
const statusOf = (rows: TraceRow[]) => Object.fromEntries(rows.map((r) => [r.stage, r.status]));

/** `genoflow run WORKFLOW` over `sheet`, outputs and work dir under `dir`, the trace in `dir/trace`. */
const cohortRun = (workflow: string, sheet: string, dir: string, trace: string) => [
  'run',
  workflow,
  '-p',
  `samplesheet=${sheet}`,
  '-p',
  `outdir=${dir}/out`,
  '--work-dir',
  join(dir, 'work'),
  '--trace',
  join(dir, trace),
];

describe('workflows/cohort-kmer-profile.yaml', () => {
  const bams = Object.fromEntries(Object.entries(cohort).map(([s, p]) => [s, sharedData(p)]));
  const extra = Object.fromEntries(Object.entries(added).map(([s, p]) => [s, sharedData(p)]));

  it('profiles each sample as its own task, equal to samtools; a sample added to the sheet runs alone on --resume', async () => {
    const dir = tempDir('cohort');
    const sheet = join(dir, 'sheet.tsv');
    writeSheet(sheet, bams);
    const args = (trace: string) => cohortRun('workflows/cohort-kmer-profile.yaml', sheet, dir, trace);
    const first = await cli(args('t1.tsv'), { cwd: repoRoot });
    expect(first.code, first.stderr).toBe(0);
    const summary = rowsOf(join(dir, 'out/summary.tsv'));
    expect(summary[0]).toEqual(['sample', 'reads', 'bases', 'gc', 'kmers', 'distinct']);
    expect(summary.slice(1).map((r) => r[0])).toEqual(Object.keys(bams));
    for (const [sample, reads, bases, gc] of summary.slice(1)) {
      const want = samtoolsProfile(bams[sample!]!);
      expect([Number(reads), Number(bases)], sample).toEqual([want.reads, want.bases]);
      expect(Number(gc)).toBeCloseTo(want.gc, 12);
    }
    const spectrum = rowsOf(join(dir, 'out/spectrum.tsv'));
    expect(spectrum[0]).toEqual(['sample', 'kmer', 'count', 'frequency']);
    // every sample's 4-mer counts, in sheet order, summing to its k-mers column
    expect([...new Set(spectrum.slice(1).map((r) => r[0]))]).toEqual(Object.keys(bams));
    for (const [sample, , , , kmers] of summary.slice(1)) {
      const total = spectrum.filter((r) => r[0] === sample).reduce((n, r) => n + Number(r[2]), 0);
      expect(total, sample).toBe(Number(kmers));
    }
    const trace1 = parseTrace(readFileSync(join(dir, 't1.tsv'), 'utf8'));
    expect(trace1.map((r) => r.stage)).toContain('profile[paired]');
    expect(trace1.find((r) => r.stage === 'profile[ex1]')).toMatchObject({ cpus: 1, memory: '1 GB' });

    writeSheet(sheet, { ...bams, ...extra });
    const again = await cli([...args('t2.tsv'), '--resume'], { cwd: repoRoot });
    expect(again.code, again.stderr).toBe(0);
    const status = statusOf(parseTrace(readFileSync(join(dir, 't2.tsv'), 'utf8')));
    for (const sample of Object.keys(bams)) {
      for (const stage of ['reads', 'profile', 'spectrum-rows'])
        expect(status[`${stage}[${sample}]`]).toBe('CACHED');
    }
    for (const stage of [
      'reads[nanopore]',
      'profile[nanopore]',
      'spectrum-rows[nanopore]',
      'summary',
      'spectrum',
    ])
      expect(status[stage], stage).toBe('COMPLETED');
    const grown = rowsOf(join(dir, 'out/summary.tsv'));
    expect(grown.map((r) => r[0])).toEqual(['sample', ...Object.keys(bams), 'nanopore']);
    expect(Number(grown[5]![1])).toBe(samtoolsProfile(extra.nanopore!).reads);
    expect(grown.slice(0, 5)).toEqual(summary);
  }, 120_000);

  it('with on-error: finish a corrupt BAM fails alone, named; fixed, --resume runs only it', async () => {
    const dir = tempDir('cohort-broken');
    const broken = join(dir, 'broken.bam');
    // A BAM cut short in its first block
    writeFileSync(broken, readFileSync(bams.paired!).subarray(0, 3000));
    const sheet = join(dir, 'sheet.tsv');
    writeSheet(sheet, { ex1: bams.ex1!, broken, ce: bams.ce! });
    const workflow = join(dir, 'cohort.yaml');
    writeFileSync(
      workflow,
      readFileSync(join(repoRoot, 'workflows/cohort-kmer-profile.yaml'), 'utf8').replace(
        '    uses: bam.read\n',
        '    uses: bam.read\n    on-error: finish\n',
      ),
    );
    const args = (trace: string) => cohortRun(workflow, sheet, dir, trace);
    const failed = await cli(args('t1.tsv'), { cwd: repoRoot });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/stage "reads\[broken\]" failed: .*broken\.bam/);
    const status = statusOf(parseTrace(readFileSync(join(dir, 't1.tsv'), 'utf8')));
    expect(status['reads[broken]']).toBe('FAILED');
    for (const sample of ['ex1', 'ce'])
      for (const stage of ['reads', 'profile', 'spectrum-rows'])
        expect(status[`${stage}[${sample}]`]).toBe('COMPLETED');
    expect(status.summary).toBe('ABORTED');

    copyFileSync(bams.paired!, broken);
    const fixed = await cli([...args('t2.tsv'), '--resume'], { cwd: repoRoot });
    expect(fixed.code, fixed.stderr).toBe(0);
    const after = statusOf(parseTrace(readFileSync(join(dir, 't2.tsv'), 'utf8')));
    for (const sample of ['ex1', 'ce'])
      for (const stage of ['reads', 'profile', 'spectrum-rows'])
        expect(after[`${stage}[${sample}]`]).toBe('CACHED');
    for (const stage of ['reads[broken]', 'profile[broken]', 'summary', 'spectrum'])
      expect(after[stage], stage).toBe('COMPLETED');
    expect(rowsOf(join(dir, 'out/summary.tsv')).map((r) => r[0])).toEqual(['sample', 'ex1', 'broken', 'ce']);
  }, 120_000);
});
