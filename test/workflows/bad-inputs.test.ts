import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir, writeFile } from '../helpers.js';
import { sharedData } from '../shared-data.js';

/** No stack frame on stderr: a bad input is the user's to fix, not a crash. */
const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at .*\(?.*:\d+:\d+\)?$/m);

const dir = tempDir('bad-inputs');
const vcfWorkflow = writeFile(
  dir,
  'vcf.yaml',
  `name: vcf-copy
params:
  vcf: in.vcf
stages:
  read:
    uses: vcf.read
    with: { path: "\${params.vcf}" }
  out:
    uses: vcf.write
    from: read
    with: { path: out.vcf }
`,
);
const run = (args: string[]) => cli([...args, '--work-dir', join(dir, 'work')], { cwd: dir });

describe('an input file that is missing or a directory', () => {
  it('validate fails (exit 2) naming the workflow position, the stage, the param and the path', async () => {
    const result = await cli(['validate', vcfWorkflow, '-p', 'vcf=nothere.vcf'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `vcf.yaml:7:19: stage "read": path (param vcf): input file nothere.vcf does not exist, expected a readable file\n`,
    );
  });

  it('text.read declares its file too: validate names it', async () => {
    const textWorkflow = writeFile(
      dir,
      'text.yaml',
      `name: text-copy\nstages:\n  read:\n    uses: text.read\n    with: { path: lines.txt }\n  out:\n    uses: text.write\n    from: read\n    with: { path: out.txt }\n`,
    );
    const result = await cli(['validate', textWorkflow], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'text.yaml:5:19: stage "read": path: input file lines.txt does not exist, expected a readable file\n',
    );
  });

  it('--dry-run fails the same way, before planning anything', async () => {
    const result = await run(['run', vcfWorkflow, '-p', 'vcf=nothere.vcf', '--dry-run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stage "read": path (param vcf): input file nothere.vcf does not exist');
    expect(result.stdout.toString()).toBe('');
  });

  it('a directory given as the input: exit 2 naming the path and param, no bare EISDIR', async () => {
    mkdirSync(join(dir, 'a-directory'), { recursive: true });
    const result = await run(['run', vcfWorkflow, '-p', 'vcf=a-directory']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'stage "read": path (param vcf): input file a-directory is a directory, expected a readable file',
    );
    expect(result.stderr).not.toContain('EISDIR');
    noStack(result.stderr);
  });
});

describe('a bad input file names the file and where in it', () => {
  it('a truncated .vcf.gz: exit 1, the file and the byte where the cut block starts', async () => {
    const bytes = readFileSync(sharedData('vcf/variantannotation/chr22.vcf.gz'));
    writeFileSync(join(dir, 'cut.vcf.gz'), bytes.subarray(0, bytes.length >> 1));
    const result = await run(['run', vcfWorkflow, '-p', 'vcf=cut.vcf.gz']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cut\.vcf\.gz: truncated BGZF block at byte \d+ \(the file was cut short\)/,
    );
    noStack(result.stderr);
  });

  it('an empty FASTA: exit 0 with a warning naming the file', async () => {
    writeFileSync(join(dir, 'empty.fa'), '\n');
    const workflow = writeFile(
      dir,
      'fasta.yaml',
      `name: fasta
stages:
  read: { uses: fasta.read, with: { path: empty.fa } }
  out: { uses: table.write, from: read, with: { path: out.tsv } }
`,
    );
    const result = await run(['run', workflow]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'empty.fa: empty input (no bytes but white space), expected FASTA or FASTQ records',
    );
  });

  /** ce_1000.sorted.bam inflated (genoflow reads raw BAM as well), and where its first record starts. */
  const rawBam = () => {
    const bam = gunzipSync(readFileSync(sharedData('bam/htslib-ce/ce_1000.sorted.bam')));
    let p = 8 + bam.readInt32LE(4);
    const refs = bam.readInt32LE(p);
    p += 4;
    for (let i = 0; i < refs; i++) p += 8 + bam.readInt32LE(p);
    return { bam, record: p + 4 };
  };
  const bamWorkflow = writeFile(
    dir,
    'bam.yaml',
    `name: bam
params:
  bam: in.bam
stages:
  read: { uses: bam.read, with: { path: "\${params.bam}" } }
  out: { uses: table.write, from: read, with: { path: out.tsv } }
`,
  );

  it('a BAM record whose CIGAR does not cover its SEQ (samtools rejects it): exit 1, the file and the record', async () => {
    // the first record: CIGAR 27M1D73M, SEQ 100 bases; make the first M one base shorter
    const { bam, record } = rawBam();
    const cigar = record + 32 + bam[record + 8]!;
    bam.writeUInt32LE(bam.readUInt32LE(cigar) - 16, cigar);
    writeFileSync(join(dir, 'cigar.bam'), bam);
    const result = await run(['run', bamWorkflow, '-p', 'bam=cigar.bam']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'cigar.bam: record 1: CIGAR 26M1D73M covers 99 query bases but SEQ has 100, expected equal lengths',
    );
    noStack(result.stderr);
  });

  it('a BAM record with a wrong bin or reference id: exit 1, the file, the record and the expected value', async () => {
    const { bam, record } = rawBam();
    const bin = bam.readUInt16LE(record + 10);
    bam.writeUInt16LE(bin + 1, record + 10);
    writeFileSync(join(dir, 'bin.bam'), bam);
    const badBin = await run(['run', bamWorkflow, '-p', 'bam=bin.bam']);
    expect(badBin.code).toBe(1);
    expect(badBin.stderr).toMatch(
      new RegExp(`bin\\.bam: record 1: bin ${bin + 1}, expected ${bin} for \\S+:\\d+ and its CIGAR`),
    );
    noStack(badBin.stderr);

    bam.writeUInt16LE(bin, record + 10);
    bam.writeInt32LE(7, record);
    writeFileSync(join(dir, 'ref.bam'), bam);
    const badRef = await run(['run', bamWorkflow, '-p', 'bam=ref.bam']);
    expect(badRef.code).toBe(1);
    expect(badRef.stderr).toContain('ref.bam: record 1: reference id 7 is not in the header');
    noStack(badRef.stderr);
  });
});

describe('a stage whose every record is invalid fails', () => {
  const chr22 = sharedData('vcf/variantannotation/chr22.vcf.gz');
  const contexts = (name: string, audit: string) =>
    writeFile(
      dir,
      name,
      `name: contexts
stages:
  variants: { uses: vcf.read, with: { path: ${chr22} } }
  context:
    uses: fasta.context
    from: variants
    with: { reference: ${join(repoRoot, 'samples/toy-genome.fa')}, on-mismatch: skip }
  checked: { uses: seq.audit, from: context, with: { ${audit} } }
  out: { uses: vcf.write, from: checked, with: { path: out.vcf } }
`,
    );

  it('chr22 of 1000 Genomes against the samples reference: exit 1, the real contig name shown', async () => {
    const result = await run(['run', contexts('contexts.yaml', 'outcome: "written without GF_SCORE"')]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('10376 of 10376 records invalid (written without GF_SCORE)');
    expect(result.stderr).toContain(
      `(first: 22:50300078:A>G: contig '22' is not in ${join(repoRoot, 'samples/toy-genome.fa')}); expected at least one valid record`,
    );
    expect(result.stderr).toContain('set max-invalid: 100% to let them all through');
    noStack(result.stderr);
  });

  it('max-invalid: 100% keeps them all, as before', async () => {
    const result = await run(['run', contexts('contexts-all.yaml', 'max-invalid: 100%')]);
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'out.vcf'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines.length).toBe(10376);
  });
});
