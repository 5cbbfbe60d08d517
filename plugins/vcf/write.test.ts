import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codecContext } from '../../src/plugin-api/index.js';
import { sharedData, sharedDataRoot } from '../../test/shared-data.js';
import { vcfRecordCodec } from './codec.js';
import {
  bcftoolsAccepts,
  queryLine,
  readVcf,
  run,
  vcfFiles,
  withoutProvenance,
  writeVcf,
} from './test-helpers.js';

const out = () => mkdtempSync(join(tmpdir(), 'vcf-write-'));
// A header-only file (vcfjs/clinvar.header.vcf) gives no records, so no header reaches vcf.write.
const plainFiles = vcfFiles(sharedData('vcf')).filter(
  (f) => f.endsWith('.vcf') && bcftoolsAccepts(f) && run('bcftools', ['view', '-H', f]) !== '',
);

describe('vcf.read -> vcf.write round trip', () => {
  it.each(plainFiles.map((f) => [relative(sharedDataRoot, f), f]))(
    '%s is written back byte for byte (but for the two provenance lines)',
    async (_n, file) => {
      const { records } = await readVcf({ path: file });
      const target = join(out(), 'out.vcf');
      await writeVcf(records, { path: target });
      // The one difference allowed: a last line without a newline gets one (pyvcf/example-4.1-ploidy.vcf).
      const input = readFileSync(file, 'utf8');
      expect(withoutProvenance(readFileSync(target, 'utf8'))).toBe(
        input.endsWith('\n') ? input : `${input}\n`,
      );
    },
  );

  it('writes stdout (-) byte for byte', async () => {
    const file = sharedData('vcf/bcftools/mpileup.vcf');
    const { records } = await readVcf({ path: file });
    const { stdout } = await writeVcf(records, { path: '-' });
    expect(withoutProvenance(stdout.toString('utf8'))).toBe(readFileSync(file, 'utf8'));
  });

  it.each([
    ['variantannotation/chr22.vcf.gz', 'tbi', ['22:50300000-50400000', '22:50500000-50600000']],
    ['bcftools/mpileup.vcf.gz', 'csi', ['17:1000-1500', '17:3000-3100']],
    ['htslib/index.vcf.gz', 'tbi', ['1:10000000-10000100', '2', '10:3000000-3100000']],
    ['htslib/large_chr.vcf', 'auto', ['chr20:620000000-2147483647', 'chr11']],
  ])('%s as BGZF with a %s index reads back in bcftools and tabix', async (name, index, regions) => {
    const file = sharedData(`vcf/${name}`);
    const { records } = await readVcf({ path: file });
    const target = join(out(), 'out.vcf.gz');
    await writeVcf(records, { path: target, index });
    const kind = index === 'auto' ? (name.includes('large_chr') ? 'csi' : 'tbi') : index;
    run('bgzip', ['-t', target]);
    expect(withoutProvenance(run('bcftools', ['view', '--no-version', target]))).toBe(
      run('bcftools', ['view', '--no-version', file]),
    );
    expect(run('tabix', ['-l', target]).split('\n').filter(Boolean)).toEqual([
      ...new Set(records.map((r) => r.chrom)),
    ]);
    // Region queries through our index equal those through htslib's index of the same lines.
    const reference = join(out(), 'reference.vcf.gz');
    run('sh', ['-c', `gzip -cdf '${file}' | bgzip > '${reference}'`]);
    run('tabix', ['-p', 'vcf', ...(kind === 'csi' ? ['-C'] : []), reference]);
    const format = '%CHROM\t%POS\t%REF\t%ALT\n';
    for (const region of regions) {
      const ours = run('bcftools', [
        'query',
        '-r',
        region,
        '-f',
        format,
        `${target}##idx##${target}.${kind}`,
      ]);
      const theirs = run('bcftools', ['query', '-r', region, '-f', format, reference]);
      expect(ours.length).toBeGreaterThan(0);
      expect(ours).toBe(theirs);
      expect(run('tabix', [target, region])).toBe(run('tabix', [reference, region]));
    }
  });
});

describe('vcf.write INFO from incoming records', () => {
  it('appends GF_SCORE from prediction records, declares it, and bcftools reads the values', async () => {
    const file = sharedData('vcf/bcftools/mpileup.vcf');
    const { records } = await readVcf({ path: file });
    // Every 7th record has no score (NaN): it gets no GF_SCORE, and INFO stays valid.
    const predictions = records.map((source, i) => ({
      id: String(i),
      score: i % 7 ? (i % 1000) / 1000 : Number.NaN,
      source,
    }));
    const target = join(out(), 'scored.vcf');
    await writeVcf(predictions, { path: target, info: { GF_SCORE: 'score' } });
    const header = run('bcftools', ['view', '--no-version', '-h', target]);
    // The added INFO, then how the file was made (one line each), then the columns.
    expect(header).toMatch(
      /##INFO=<ID=GF_SCORE,Number=1,Type=Float,Description="Added by genoflow from field score">\n##genoflowVersion=test\n##genoflowCommand=genoflow test; Date=\d{4}-\d\d-\d\dT[\d:.]+Z; run=test\n#CHROM/,
    );
    const scores = run('bcftools', ['query', '-f', '%INFO/GF_SCORE\n', target]).trim().split('\n');
    expect(scores).toEqual(predictions.map((p) => (Number.isNaN(p.score) ? '.' : String(p.score))));
    // Everything else is as it was.
    expect(run('bcftools', ['query', '-f', '%CHROM\t%POS\t%REF\t%ALT\n', target])).toBe(
      records.map((r) => `${queryLine(r, false)}\n`).join(''),
    );
  });

  it('writes "." and no empty INFO when the only INFO is a missing score', async () => {
    const { records } = await readVcf({
      path: sharedData('vcf/vcfjs/vcf4.3_spec_bnd.vcf'),
      'on-invalid': 'skip',
    });
    const target = join(out(), 'dot.vcf');
    await writeVcf(
      records.map((r) => Object.assign(r, { infoAdd: { SVTYPE: Number.NaN } })),
      { path: target },
    );
    expect(run('sh', ['-c', `grep -v '^#' '${target}' | cut -f8 | sort -u`])).toBe('.\n');
  });
});

describe('vcf-record codec', () => {
  it('encodes the header once and decodes lazy records that share it', async () => {
    const { records } = await readVcf({ path: sharedData('vcf/pyvcf/1kg.vcf.gz') });
    records[3]!.infoAdd = { GF_SCORE: 0.5 };
    const encode = vcfRecordCodec.createEncoder(codecContext([]));
    const decode = vcfRecordCodec.createDecoder(codecContext([]));
    const encoded = records.map(encode);
    expect(encoded[0]!.length).toBeGreaterThan(records[0]!.header.text.length);
    expect(encoded[1]!.length).toBe(Buffer.byteLength(records[1]!.line) + 2);
    const decoded = encoded.map(decode);
    expect(decoded.map(String)).toEqual(records.map(String));
    expect(decoded.map((r) => queryLine(r))).toEqual(records.map((r) => queryLine(r)));
    expect(decoded[5]!.header).toBe(decoded[200]!.header);
    expect(decoded[3]!.infoAdd).toEqual({ GF_SCORE: 0.5 });
  });
});
