import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runStageForTest, stageFailure } from '../../src/plugin-api/testing.js';
import { ifSharedData, sharedData, sharedDataFiles } from '../../test/shared-data.js';
import { type ReadRecord, read } from './read.js';
import { parseFastaText, samtoolsFaidx } from './test-helpers.js';

const fastaDir = sharedData('fasta');
const fastaFiles = sharedDataFiles('fasta', (f) => /\.(fa|fna|fasta)(\.gz)?$/.test(f)).map((f) =>
  relative(fastaDir, f),
);

async function readRecords(params: Record<string, unknown>, stdin?: Buffer): Promise<ReadRecord[]> {
  return (await runStageForTest(read, { params, stdin })).records as ReadRecord[];
}

describe('fasta.read FASTA', () => {
  it('covers the shared FASTA files', () => {
    expect(fastaFiles.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of fastaFiles) {
    it(`reads ${name} like samtools faidx`, async () => {
      const file = join(fastaDir, name);
      const headers = execFileSync('sh', ['-c', `gzip -dcf '${file}' | grep -c '>'`]).toString();
      const contigs = readFileSync(`${file}.fai`, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t')[0]!);
      const expected = samtoolsFaidx(file, contigs);
      const records = await readRecords({ path: file });
      expect(records).toHaveLength(Number(headers));
      expect(records.map((r) => r.id)).toEqual(contigs);
      expect(records.map((r) => r.seq)).toEqual(expected.map((r) => r.seq));
    });
  }

  it('keeps the description and gives the label', async () => {
    const records = await readRecords({ path: join(fastaDir, 'genes.fasta'), label: 'gene' });
    const header = readFileSync(join(fastaDir, 'genes.fasta'), 'utf8').split('\n')[0]!;
    expect(`>${records[0]!.id} ${records[0]!.description}`).toBe(header);
    expect(new Set(records.map((r) => r.label))).toEqual(new Set(['gene']));
  });

  it('rejects a sequence line before any header with file:line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fasta-read-'));
    writeFileSync(join(dir, 'bad.fa'), 'ACGT\n>a\nACGT\n>b x\nAC GT\n');
    expect(await stageFailure(read, { path: join(dir, 'bad.fa') })).toBe(
      `${join(dir, 'bad.fa')}:1: line before any header, expected a '>' (FASTA) or '@' (FASTQ) header line`,
    );
    const rejects = join(dir, 'rejects.txt');
    const { records, counters } = await runStageForTest(read, {
      params: { path: join(dir, 'bad.fa'), 'on-invalid': 'skip', rejects },
    });
    expect(records).toEqual([{ id: 'a', seq: 'ACGT' }]);
    expect(counters.rejected).toBe(2);
    expect(readFileSync(rejects, 'utf8')).toBe('ACGT\n>b x\nAC GT\n');
  });
});

describe('fasta.read FASTQ', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fastq-read-'));
  const fastq = join(dir, 'ce.fq');
  const bam = sharedData('bam/htslib-ce/ce_1000.sorted.bam');
  const { lines, sampleNames } = ifSharedData(
    () => {
      writeFileSync(fastq, execFileSync('samtools', ['fastq', bam], { stdio: ['ignore', 'pipe', 'ignore'] }));
      writeFileSync(`${fastq}.gz`, gzipSync(readFileSync(fastq)));
      execFileSync('samtools', ['fqidx', fastq]);
      return {
        lines: Number(execFileSync('sh', ['-c', `wc -l < '${fastq}'`]).toString()),
        sampleNames: readFileSync(`${fastq}.fai`, 'utf8')
          .trimEnd()
          .split('\n')
          .filter((_, i) => i % 97 === 0)
          .map((line) => line.split('\t')[0]!),
      };
    },
    { lines: 0, sampleNames: [] as string[] },
  );

  /** samtools fqidx wraps at 60 columns unless given a longer line length. */
  function fqidx(name: string): { seq: string; qual: string } {
    const text = execFileSync('samtools', ['fqidx', '-n', '1000000', fastq, name]).toString().split('\n');
    return { seq: text[1]!, qual: text[3]! };
  }

  for (const [how, params, stdin] of [
    ['plain', { path: fastq }, undefined],
    ['gzipped', { path: `${fastq}.gz` }, undefined],
    ['gzipped on stdin', { path: '-' }, ifSharedData(() => readFileSync(`${fastq}.gz`), Buffer.alloc(0))],
  ] as const) {
    it(`reads the ${how} FASTQ: count = wc -l / 4, sequences and qualities = samtools fqidx`, async () => {
      const records = await readRecords(params, stdin);
      expect(records).toHaveLength(lines / 4);
      const byId = new Map(records.map((r) => [r.id, r]));
      for (const name of sampleNames) {
        const record = byId.get(name)!;
        expect({ seq: record.seq, qual: record.qual }).toEqual(fqidx(name));
      }
    });
  }

  it('fails on malformed FASTQ with file:line, or skips it into the rejects file', async () => {
    const good = '@r1 first\nACGT\n+\nIIII\n';
    const cases = [
      [
        'qual.fq',
        `${good}@r2\nACGT\n+\nIII\n`,
        '8: quality length 3 differs from sequence length 4, expected equal lengths',
      ],
      ['plus.fq', `${good}@r2\nACGT\nIIII\n@r3\n`, `7: expected a '+' separator line, found "IIII"`],
      [
        'header.fq',
        `${good}r2\nACGT\n+\nIIII\n`,
        `5: expected a FASTQ header line starting with '@', found "r2"`,
      ],
      ['short.fq', `${good}@r2\nACGT\n`, '5: FASTQ record ends after 2 of 4 lines'],
    ];
    for (const [name, text, message] of cases) {
      const file = join(dir, name!);
      writeFileSync(file, text!);
      expect(await stageFailure(read, { path: file })).toContain(`${file}:${message}`);
    }
    const rejects = join(dir, 'rejects.fq');
    const { records, counters } = await runStageForTest(read, {
      params: { path: join(dir, 'qual.fq'), 'on-invalid': 'skip', rejects },
    });
    expect(records).toEqual([{ id: 'r1', description: 'first', seq: 'ACGT', qual: 'IIII' }]);
    expect(counters.rejected).toBe(1);
    expect(readFileSync(rejects, 'utf8')).toBe('@r2\nACGT\n+\nIII\n');
  });
});

describe('fasta.read parsing', () => {
  it('joins multi-line records as samtools prints them', async () => {
    const file = sharedData('bam/bcftools-mpileup/mpileup.ref.fa');
    const records = await readRecords({ path: file });
    const expected = parseFastaText(readFileSync(file, 'utf8'));
    expect(records.map((r) => ({ name: `${r.id} ${r.description}`, seq: r.seq }))).toEqual(expected);
    expect(records[0]!.seq).toHaveLength(4200);
  });
});
