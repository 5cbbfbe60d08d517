import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sharedData, sharedDataRoot } from '../../test/shared-data.js';
import { bcftoolsAccepts, readVcf, readVcfError, run, vcfFiles, writeVcf } from './test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'genoflow-bcf-'));

/**
 * The VCF with a header line for every contig, FILTER, INFO and FORMAT key its records use
 * and the header lacks: bcftools writes no BCF without them ("Unchecked error" at the first
 * such record). Dummy declarations are String (Flag for a bare INFO key), as bcftools
 * itself assumes when it reads the VCF; the test checks that bcftools prints the records of
 * the declared copy exactly as those of the original.
 */
function declaredCopy(file: string): string {
  const bytes = readFileSync(file);
  const lines = (bytes[0] === 0x1f ? gunzipSync(bytes) : bytes).toString().split('\n');
  const declared = new Set<string>();
  const used = new Map<string, string>();
  for (const line of lines) {
    const meta = /^##(contig|INFO|FORMAT|FILTER)=<ID=([^,>]+)/.exec(line);
    if (meta) declared.add(`${meta[1]}/${meta[2]}`);
    if (line.startsWith('#') || line === '') continue;
    const columns = line.split('\t');
    used.set(`contig/${columns[0]}`, `##contig=<ID=${columns[0]}>`);
    for (const filter of columns[6] === '.' ? [] : (columns[6] ?? '').split(';'))
      used.set(`FILTER/${filter}`, `##FILTER=<ID=${filter},Description="undeclared">`);
    for (const entry of columns[7] === '.' ? [] : (columns[7] ?? '').split(';')) {
      const key = entry.split('=')[0]!;
      const type = entry.includes('=') ? 'Number=.,Type=String' : 'Number=0,Type=Flag';
      if (key) used.set(`INFO/${key}`, `##INFO=<ID=${key},${type},Description="undeclared">`);
    }
    for (const key of columns[8] && columns[8] !== '.' ? columns[8].split(':') : [])
      used.set(`FORMAT/${key}`, `##FORMAT=<ID=${key},Number=.,Type=String,Description="undeclared">`);
  }
  const added = [...used].filter(([key]) => !declared.has(key)).map(([, line]) => line);
  const columns = lines.findIndex((l) => l.startsWith('#CHROM'));
  lines.splice(columns, 0, ...added);
  const copy = join(dir, `${relative(sharedDataRoot, file).replaceAll('/', '_')}.vcf`);
  writeFileSync(copy, lines.join('\n'));
  return copy;
}

/** `bcftools view -O<kind>` of `file` into a new file, or undefined when bcftools cannot write it. */
function bcftoolsBcf(file: string, kind: 'b' | 'u'): string | undefined {
  // Not named .bcf: bcftools 1.16 picks BGZF for a .bcf name whatever -O says.
  const out = `${file}.${kind}.bcf-out`;
  try {
    execFileSync('bcftools', ['view', `-O${kind}`, '-o', out, file], { stdio: 'ignore' });
    const magic = readFileSync(out).subarray(0, 5).toString('latin1');
    expect(kind === 'u' ? magic : magic.slice(0, 2)).toBe(kind === 'u' ? 'BCF\x02\x02' : '\x1f\x8b');
    return out;
  } catch {
    return undefined;
  }
}

const records = (file: string) => run('bcftools', ['view', '-H', file]);
const linesOf = (read: Awaited<ReturnType<typeof readVcf>>) =>
  read.records.map((r) => `${r.line}\n`).join('');
/** The bytes of a file as stdin arrives from a pipe: 64 KiB chunks. */
const piped = (file: string) => {
  const bytes = readFileSync(file);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 1 << 16) chunks.push(bytes.subarray(at, at + (1 << 16)));
  return Readable.from(chunks);
};

const corpus = vcfFiles(sharedData('vcf')).filter(bcftoolsAccepts);
const cases = corpus.map((file) => {
  const copy = declaredCopy(file);
  return {
    name: relative(sharedDataRoot, file),
    file,
    copy,
    b: bcftoolsBcf(copy, 'b'),
    u: bcftoolsBcf(copy, 'u'),
  };
});

describe('vcf.read on BCF: the shared VCF corpus through bcftools view -Ob and -Ou', () => {
  it('bcftools writes BCF of every file but the one whose positions pass 32 bits', () => {
    expect(cases.filter((c) => !c.b || !c.u).map((c) => c.name)).toEqual(['vcf/htslib/longrefs.index.vcf']);
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases.filter((c) => c.b && c.u).map((c) => [c.name, c]))(
    '%s: every record read from -Ob and -Ou, as file and as stdin, equals bcftools view of the original',
    async (_name, c) => {
      const expected = records(c.file);
      expect(records(c.copy)).toBe(expected);
      for (const bcf of [c.b!, c.u!]) {
        expect(linesOf(await readVcf({ path: bcf }))).toBe(expected);
        expect(linesOf(await readVcf({ path: '-' }, piped(bcf) as never))).toBe(expected);
      }
    },
  );
});

describe('vcf.write format: bcf', () => {
  it.each(cases.filter((c) => c.b && records(c.file) !== '').map((c) => [c.name, c]))(
    '%s: BCF written by genoflow (BGZF and uncompressed) reads back in bcftools as the input',
    async (_name, c) => {
      const { records: read } = await readVcf({ path: c.b! });
      for (const compression of ['bgzf', 'none']) {
        const out = join(dir, `${c.name.replaceAll('/', '_')}.${compression}.out.bcf`);
        await writeVcf(read, { path: out, compression });
        expect(
          readFileSync(out)
            .subarray(0, compression === 'none' ? 5 : 2)
            .toString('latin1'),
        ).toBe(compression === 'none' ? 'BCF\x02\x02' : '\x1f\x8b');
        expect(records(out)).toBe(records(c.file));
      }
    },
  );

  it('a VCF text record of a contig the header does not declare: error naming the record and the contig', async () => {
    const file = sharedData('vcf/pyvcf/example-4.0.vcf');
    const { records: read } = await readVcf({ path: file });
    const out = join(dir, 'undeclared.bcf');
    await expect(writeVcf(read, { path: out })).rejects.toThrow(
      `vcf.write: ${out}: record 1 (20:14370): contig "20" is not declared in the header, expected a ##contig line for it (BCF needs one)`,
    );
  });
});

describe('vcf.read on a bad BCF', () => {
  it('a BCF cut inside a record: error with the record number and byte offset', async () => {
    const c = cases.find((x) => x.name === 'vcf/variantannotation/chr22.vcf.gz')!;
    const bytes = readFileSync(c.u!);
    const cut = join(dir, 'cut.bcf');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const err = await readVcfError({ path: cut });
    expect(err.message).toMatch(
      new RegExp(
        `^${cut}: BCF record 10376 at byte \\d+: stream ends \\d+ bytes into a record, expected the whole record \\(truncated file\\?\\)$`,
      ),
    );
  });

  it('regions of a BCF: an error saying what to use instead', async () => {
    const bcf = join(dir, 'regions.bcf');
    writeFileSync(bcf, readFileSync(cases.find((x) => x.name === 'vcf/bcftools/mpileup.vcf')!.b!));
    expect((await readVcfError({ path: bcf, regions: 'chr17:1-100' })).message).toBe(
      `${bcf}: regions of a BCF are not read here, expected a .vcf.gz with a .tbi/.csi (or: bcftools view -r REGION ${bcf} | ...)`,
    );
  });

  it('BCF on stdin is read, not refused as a VCF without #CHROM', async () => {
    const c = cases.find((x) => x.name === 'vcf/bcftools/mpileup.vcf')!;
    const { records: read } = await readVcf({ path: '-' }, readFileSync(c.b!));
    expect(read.length).toBe(4103);
    expect(read[0]!.samples.HG00100).toBeDefined();
  });
});
