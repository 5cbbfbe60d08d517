import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import plugin from './index.js';
import type { BamRecord } from './record.js';

const read = plugin.stages.read;
const bamDir = sharedData('bam');
const bams = readdirSync(bamDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.bam'))
  .sort()
  .map((f) => join(bamDir, f));
const scratch = mkdtempSync(join(tmpdir(), 'genoflow-bam-'));

function samtools(...args: string[]): string[] {
  const text = execFileSync('samtools', ['view', ...args], { maxBuffer: 1 << 30 }).toString();
  return text.split('\n').slice(0, -1);
}

async function readLines(params: Record<string, unknown>, stdin?: Buffer): Promise<string[]> {
  const { records } = await runStageForTest(read, { params, stdin });
  return records.map(String);
}

/**
 * The error a run fails with. Runs the stage directly: runStageForTest leaves its collector's
 * rejection unhandled when a stage fails, which vitest reports as an error of its own.
 */
async function failure(params: Record<string, unknown>, stdin?: Buffer): Promise<string> {
  const ctx = {
    params: read.params.parse(params),
    stageName: 'test',
    inputs: {},
    log: { debug() {}, info() {}, warn() {}, error() {} },
    progress: { status() {}, count() {} },
    signal: new AbortController().signal,
    scratchDir: scratch,
    checkpointDir: scratch,
    threads: 2,
    resolvePath: (p: string) => p,
    stdin: () => Readable.from([stdin ?? Buffer.alloc(0)]),
    stdout: () => new PassThrough(),
    declareInputFile() {},
    declareOutputFile() {},
  };
  try {
    for await (const _ of read.run(ctx) as AsyncIterable<unknown>);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the stage did not fail');
}

/** The SAM fields a record exposes, formatted as samtools prints them. */
function fields(r: BamRecord): string[] {
  return [r.name, r.flag, r.ref, r.pos, r.mapq, r.cigar, r.rnext, r.pnext, r.tlen, r.seq, r.qual].map(String);
}

test('finds every shared BAM', () => {
  expect(bams.map((f) => f.slice(bamDir.length + 1))).toEqual([
    'bamjs/1000genomes_hg00096_chr1.bam',
    'bamjs/CHM1_pacbio_clip2.bam',
    'bamjs/ecoli_nanopore.bam',
    'bamjs/paired.bam',
    'bcftools-mpileup/mpileup.1.bam',
    'bcftools-mpileup/mpileup.2.bam',
    'bcftools-mpileup/mpileup.3.bam',
    'htslib-ce/ce_1000.sorted.bam',
    'mosdepth/nanopore.bam',
    'rsamtools/ex1.bam',
  ]);
});

describe.each(bams.map((path) => [path.slice(bamDir.length + 1), path]))('%s', (_label, path) => {
  test('every record equals samtools view: fields and the full SAM line', async () => {
    const { records } = await runStageForTest(read, { params: { path } });
    const expected = samtools(path);
    expect(records.length).toBe(expected.length);
    records.forEach((record, i) => {
      const line = expected[i]!;
      expect(fields(record)).toEqual(line.split('\t').slice(0, 11));
      expect(String(record)).toBe(line);
    });
  });

  test('stdin gives the same records as the file', async () => {
    expect(await readLines({ path: '-' }, readFileSync(path))).toEqual(samtools(path));
  });

  test.each([
    [{ 'require-flags': 1 }, ['-f', '1']],
    [{ 'exclude-flags': '0x904' }, ['-F', '0x904']],
    [{ 'exclude-flags': 'UNMAP,SECONDARY' }, ['-F', '0x104']],
    [{ 'min-mapq': 20 }, ['-q', '20']],
    [{ 'require-flags': 'PAIRED', 'exclude-flags': 16, 'min-mapq': 1 }, ['-f', '1', '-F', '16', '-q', '1']],
  ])('filters %o count as samtools view -c %o', async (params, args) => {
    const { records } = await runStageForTest(read, { params: { path, ...params } });
    const count = Number(execFileSync('samtools', ['view', '-c', ...args, path]).toString());
    expect(records.length).toBe(count);
    expect(records.map(String)).toEqual(samtools(...args, path));
  });

  test('region queries equal samtools view FILE REGION', async () => {
    const first = samtools(path).find((l) => l.split('\t')[2] !== '*');
    if (!first) throw new Error(`${path} has no placed read`);
    const ref = first.split('\t')[2]!;
    const pos = Number(first.split('\t')[3]);
    const regions = [ref, `${ref}:${pos + 50}-${pos + 400}`, `${ref}:${pos + 1000}`, `${ref}:1-${pos}`];
    for (const region of regions) {
      expect(await readLines({ path, regions: region }), region).toEqual(samtools(path, region));
    }
    expect(await readLines({ path, regions })).toEqual(samtools(path, ...regions));
  });
});

describe('SAM text', () => {
  const sam = sharedData('bam/htslib-ce/ce_1000.sam');

  test('ce_1000.sam equals samtools view', async () => {
    const expected = samtools(sam);
    expect(expected.length).toBe(1000);
    expect(await readLines({ path: sam })).toEqual(expected);
  });

  test('gzipped and bgzipped SAM on stdin equal samtools view', async () => {
    const expected = samtools(sam);
    expect(await readLines({ path: '-' }, gzipSync(readFileSync(sam)))).toEqual(expected);
    const bgzipped = execFileSync('bgzip', ['-c', sam], { maxBuffer: 1 << 30 });
    expect(await readLines({ path: '-' }, bgzipped)).toEqual(expected);
  });

  test('B, H, f and A tags print as samtools prints them', async () => {
    const path = join(scratch, 'tags.sam');
    writeFileSync(
      path,
      '@SQ\tSN:c1\tLN:1000\n' +
        'r1\t0\tc1\t10\t60\t4M\t*\t0\t0\tACGT\tIIII\tXa:B:c,-1,2\tXb:B:S,65535,0\tXc:B:f,1.5,0.000123,1e+20\t' +
        'XH:H:1AE3\tXf:f:3.14159265\tXA:A:q\tXi:i:-70000\tXI:i:4000000000\tXz:Z:hello world\n' +
        'r2\t4\t*\t0\t0\t*\t*\t0\t0\t*\t*\n' +
        'r3\t99\tc1\t20\t30\t2S1M1I1D\t=\t40\t25\tNNac\t*\n',
    );
    const expected = samtools(path);
    expect(expected.length).toBe(3);
    expect(await readLines({ path })).toEqual(expected);
    const { records } = await runStageForTest(read, { params: { path } });
    expect(records[0]!.tags.Xb).toEqual(new Uint16Array([65535, 0]));
    expect(records[0]!.tags.XI).toBe(4000000000);
    expect(records[1]!.qual).toBe('*');
  });

  test('a malformed line fails with file:line, or is skipped, counted and written to rejects', async () => {
    const path = join(scratch, 'bad.sam');
    const lines = readFileSync(sam, 'utf8').split('\n');
    const headerLength = lines.findIndex((l) => !l.startsWith('@'));
    lines[headerLength + 2] = lines[headerLength + 2]!.replace(/\t100M\t/, '\t100Q\t');
    writeFileSync(path, lines.join('\n'));
    expect(await failure({ path })).toContain(`${path}:${headerLength + 3}: CIGAR '100Q' is malformed`);
    const rejects = join(scratch, 'rejects.sam');
    const result = await runStageForTest(read, { params: { path, 'on-invalid': 'skip', rejects } });
    expect(result.records.length).toBe(999);
    expect(result.counters.rejected).toBe(1);
    expect(readFileSync(rejects, 'utf8')).toBe(`${lines[headerLength + 2]}\n`);
  });
});

describe('bad input', () => {
  const bam = sharedData('bam/htslib-ce/ce_1000.sorted.bam');

  test('CRAM is refused with a clear message', async () => {
    const cram = sharedData('bam/htslib-ce/ce_1000.sorted.cram');
    expect(await failure({ path: cram })).toContain('CRAM is not supported: convert with samtools view -b');
    expect(await failure({ path: cram, regions: 'CHROMOSOME_I' })).toContain('CRAM is not supported');
  });

  test('a BAM cut in the middle of a block fails as truncated', async () => {
    const bytes = readFileSync(bam);
    const path = join(scratch, 'cut.bam');
    writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    expect(await failure({ path })).toContain(`${path}: truncated BGZF block`);
    expect(await failure({ path: '-' }, bytes.subarray(0, bytes.length >> 1))).toContain(
      '<stdin>: truncated BGZF block',
    );
  });

  test('a BAM without its EOF block fails as truncated', async () => {
    const bytes = readFileSync(bam);
    const path = join(scratch, 'no-eof.bam');
    writeFileSync(path, bytes.subarray(0, bytes.length - 28));
    expect(await failure({ path })).toContain(
      `${path}: BGZF EOF marker block is missing, the file is truncated`,
    );
  });

  test('a corrupted block fails its checksum', async () => {
    const bytes = Buffer.from(readFileSync(bam));
    const lastBlockCrc = bytes.length - 28 - 8;
    bytes[lastBlockCrc] ^= 0xff;
    expect(await failure({ path: '-' }, bytes)).toMatch(
      /<stdin>: BGZF block at byte \d+ fails its CRC32\/ISIZE check/,
    );
  });

  test('regions on stdin or an unknown reference are refused', async () => {
    expect(await failure({ path: '-', regions: 'chr1' }, readFileSync(bam))).toContain(
      'regions need an indexed BAM file',
    );
    expect(await failure({ path: bam, regions: 'chrZ:1-10' })).toContain(
      "reference 'chrZ' is not in the BAM header",
    );
  });

  test('a bad flag name is refused by the params schema', () => {
    expect(() => read.params.parse({ path: bam, 'exclude-flags': 'UNMAPPED' })).toThrow(/flag mask/);
  });
});

describe('bam-record codec', () => {
  test('records survive encode/decode with their header, written once', async () => {
    const path = sharedData('bam/bamjs/paired.bam');
    const { records } = await runStageForTest(read, { params: { path } });
    const encode = plugin.codecs['bam-record'].createEncoder();
    const decode = plugin.codecs['bam-record'].createDecoder();
    const encoded = records.map((r) => encode(r));
    expect(encoded[1]!.length).toBe(records[1]!.bytes.length + 1);
    const decoded = encoded.map((bytes) => decode(bytes) as BamRecord);
    expect(decoded.map(String)).toEqual(samtools(path));
    expect(decoded[0]!.header.refs).toEqual(records[0]!.header.refs);
    expect(decoded[0]!.header.text).toBe(
      execFileSync('samtools', ['view', '--no-PG', '-H', path]).toString(),
    );
  });
});
