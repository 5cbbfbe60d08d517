import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { codecContext } from '../../src/plugin-api/index.js';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { ifSharedData, sharedData, sharedDataFiles } from '../../test/shared-data.js';
import { parseBamHeader } from './header.js';
import plugin from './index.js';
import type { BamRecord } from './record.js';

const read = plugin.stages.read;
const bamDir = sharedData('bam');
const bams = sharedDataFiles('bam', (f) => f.endsWith('.bam'));
const scratch = mkdtempSync(join(tmpdir(), 'genoflow-bam-'));

function samtools(...args: string[]): string[] {
  const text = execFileSync('samtools', ['view', ...args], { maxBuffer: 1 << 30 }).toString();
  return text.split('\n').slice(0, -1);
}

async function readLines(params: Record<string, unknown>, stdin?: Buffer): Promise<string[]> {
  const { records } = await runStageForTest(read, { params, stdin });
  return records.map(String);
}

/** The error a run fails with. */
async function failure(params: Record<string, unknown>, stdin?: Buffer): Promise<string> {
  const error = await runStageForTest(read, { params, stdin }).then(
    () => undefined,
    (err: Error) => err.message,
  );
  if (error === undefined) throw new Error('the stage did not fail');
  return error;
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

  test('bytes after the EOF block that are not BGZF fail, naming their offset', async () => {
    const bytes = readFileSync(bam);
    const trailing = Buffer.concat([bytes, Buffer.from('not a block, just some text\n')]);
    expect(await failure({ path: '-' }, trailing)).toContain(
      `<stdin>: not a BGZF block at byte ${bytes.length}`,
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
    const encode = plugin.codecs['bam-record'].createEncoder(codecContext([]));
    const decode = plugin.codecs['bam-record'].createDecoder(codecContext([]));
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

describe('streaming', () => {
  const bam = sharedData('bam/bamjs/ecoli_nanopore.bam');

  test('stdin in small uneven chunks gives the same records (blocks cut across chunks)', async () => {
    const bytes = readFileSync(bam);
    const chunks: Buffer[] = [];
    for (let p = 0, size = 7; p < bytes.length; p += size, size = (size * 31) % 9973)
      chunks.push(bytes.subarray(p, p + size));
    const { records } = await runStageForTest(read, { params: { path: '-' }, stdin: Readable.from(chunks) });
    expect(records.map(String)).toEqual(samtools(bam));
  });
});

describe('malformed BAM records', () => {
  const source = sharedData('bam/htslib-ce/ce_1000.sorted.bam');
  const raw = ifSharedData(() => gunzipSync(readFileSync(source)), Buffer.alloc(0));
  const headerSize = ifSharedData(() => parseBamHeader(raw, source)!.size, 0);
  /** Where record `n` (1-based) starts: its block_size. */
  const recordAt = (n: number) => {
    let p = headerSize;
    for (let i = 1; i < n; i++) p += 4 + raw.readInt32LE(p);
    return p;
  };
  const bgzip = (bytes: Buffer) => execFileSync('bgzip', ['-c'], { input: bytes });

  test('a record whose fields overrun it fails naming the record, or is skipped and counted', async () => {
    const bad = Buffer.from(raw);
    bad.writeInt32LE(1 << 20, recordAt(3) + 4 + 16); // l_seq far beyond the record
    const bytes = bgzip(bad);
    expect(await failure({ path: '-' }, bytes)).toMatch(
      /^<stdin>: record 3: fields need \d+ bytes but the record has \d+$/,
    );
    const rejects = join(scratch, 'bam-rejects.txt');
    const result = await runStageForTest(read, {
      params: { path: '-', 'on-invalid': 'skip', rejects },
      stdin: bytes,
    });
    const expected = samtools(source);
    expect(result.records.map(String)).toEqual([...expected.slice(0, 2), ...expected.slice(3)]);
    expect(result.counters.rejected).toBe(1);
    expect(readFileSync(rejects, 'utf8')).toMatch(
      /^record 3\tfields need \d+ bytes but the record has \d+\n$/,
    );
  });

  test('a malformed tag fails naming the read when the tags are read', async () => {
    const bad = Buffer.from(raw);
    const at = recordAt(5) + 4;
    const nameLength = raw[at + 8]!;
    const seqLength = raw.readInt32LE(at + 16);
    const tagsAt = at + 32 + nameLength + 4 * raw.readUInt16LE(at + 12) + ((seqLength + 1) >> 1) + seqLength;
    const name = raw.toString('latin1', at + 32, at + 31 + nameLength);
    const firstTag = raw.toString('latin1', tagsAt, tagsAt + 2);
    bad[tagsAt + 2] = 'q'.charCodeAt(0);
    const expected = samtools(source);
    const { records } = await runStageForTest(read, { params: { path: '-' }, stdin: bgzip(bad) });
    expect(records.length).toBe(1000); // aux fields are checked lazily
    expect(records[4]!.name).toBe(name);
    expect(() => String(records[4])).toThrow(`read '${name}': tag ${firstTag}: unknown type 'q'`);
    expect(() => records[4]!.tags).toThrow(`read '${name}': tag ${firstTag}: unknown type 'q'`);
    expect(String(records[5])).toBe(expected[5]);
  });
});
