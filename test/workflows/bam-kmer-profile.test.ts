import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir } from '../helpers.js';
import { sharedData } from '../shared-data.js';

const workflow = join(repoRoot, 'workflows/bam-kmer-profile.yaml');
const mpileup = (n: number) => sharedData(`bam/bcftools-mpileup/mpileup.${n}.bam`);

function readTsv(path: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const columns = head!.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((cell, i) => [columns[i]!, cell])));
}

/** Primary reads' SEQ as samtools prints them (secondary and supplementary left out, as the workflow does). */
function samtoolsSeqs(bam: string, readGroup?: string): string[] {
  const args = ['view', '-F', '0x900', ...(readGroup ? ['-r', readGroup] : []), bam];
  const sam = execFileSync('samtools', args, { maxBuffer: 1 << 28 }).toString();
  return sam
    .trimEnd()
    .split('\n')
    .map((line) => line.split('\t')[9]!)
    .map((seq) => (seq === '*' ? '' : seq));
}

/** Windows of k bases that hold only A, C, G, T: per read, each run of ACGT of length L gives max(0, L-k+1). */
function expectedKmers(seqs: string[], k: number): number {
  let total = 0;
  for (const seq of seqs)
    for (const run of seq.toUpperCase().split(/[^ACGT]+/)) total += Math.max(0, run.length - k + 1);
  return total;
}

async function profile(bam: string, k: number, extra: { input?: Buffer } = {}) {
  const out = tempDir('bam-kmer');
  const result = await cli(
    [
      'run',
      workflow,
      '-p',
      `bam=${extra.input ? '-' : bam}`,
      '-p',
      `k=${k}`,
      '-p',
      `outdir=${out}`,
      '--work-dir',
      join(out, 'work'),
    ],
    { cwd: repoRoot, input: extra.input },
  );
  expect(result.code, result.stderr).toBe(0);
  return { out, stderr: result.stderr, summary: readTsv(join(out, 'summary.tsv')) };
}

describe('workflows/bam-kmer-profile.yaml', () => {
  it('counts, per sample, exactly the k-mers and bases samtools view shows in the mpileup BAMs', async () => {
    for (const n of [1, 2, 3]) {
      const seqs = samtoolsSeqs(mpileup(n));
      const sample = /SM:(\S+)/.exec(execFileSync('samtools', ['view', '-H', mpileup(n)]).toString())![1]!;
      const bases = seqs.reduce((sum, s) => sum + s.length, 0);
      const acgt = seqs.join('').replace(/[^ACGTacgt]/g, '');
      for (const k of [1, 5]) {
        const { summary } = await profile(mpileup(n), k);
        expect(summary).toHaveLength(1);
        const row = summary[0]!;
        expect(row.sample).toBe(sample);
        expect(Number(row.reads)).toBe(seqs.length);
        expect(Number(row.bases)).toBe(bases);
        // k = 1: every A/C/G/T base of every primary read; k > 1: the ACGT-only windows.
        expect(Number(row.kmers)).toBe(k === 1 ? acgt.length : expectedKmers(seqs, k));
        expect(Number(row.gc)).toBeCloseTo(acgt.replace(/[ATat]/g, '').length / acgt.length, 12);
      }
    }
  }, 60_000);

  it('gives the spectrum jellyfish counts, and the same TSVs with the BAM piped on stdin', async () => {
    const bam = mpileup(1);
    const fromFile = await profile(bam, 5);
    const fromStdin = await profile(bam, 5, { input: readFileSync(bam) });
    for (const file of ['summary.tsv', 'spectrum.tsv']) {
      expect(readFileSync(join(fromStdin.out, file), 'utf8')).toBe(
        readFileSync(join(fromFile.out, file), 'utf8'),
      );
    }
    // jellyfish (not canonical, no -C) on the same reads as FASTA: SEQ as stored in the BAM
    // (samtools view), not `samtools fasta`, which turns reverse-strand reads back.
    const fasta = join(fromFile.out, 'reads.fa');
    writeFileSync(
      fasta,
      samtoolsSeqs(bam)
        .map((seq, i) => `>r${i}\n${seq}\n`)
        .join(''),
    );
    const jf = join(fromFile.out, 'reads.jf');
    execFileSync('jellyfish', ['count', '-m', '5', '-s', '2M', '-t', '1', '-o', jf, fasta]);
    const dumped = execFileSync('jellyfish', ['dump', '-c', jf])
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(' ', '\t'))
      .sort();
    const ours = readTsv(join(fromFile.out, 'spectrum.tsv'))
      .map((r) => `${r.kmer}\t${r.count}`)
      .sort();
    expect(ours).toEqual(dumped);
    expect(ours.length).toBeGreaterThan(900);
  }, 60_000);

  it('tells the samples of a multi-read-group BAM apart (defaults on samples/reads/merged.bam)', async () => {
    const { summary, stderr } = await profile(join(repoRoot, 'samples/reads/merged.bam'), 4);
    expect(summary.map((r) => r.sample)).toEqual(['sampleA', 'sampleB']);
    for (const row of summary) {
      const seqs = samtoolsSeqs(join(repoRoot, 'samples/reads/merged.bam'), row.sample);
      expect(Number(row.reads)).toBe(seqs.length);
      expect(Number(row.kmers)).toBe(expectedKmers(seqs, 4));
    }
    expect(stderr).toMatch(/\[profile\] sampleB: 3000 reads, 300000 bases, GC /);
  }, 60_000);
});
