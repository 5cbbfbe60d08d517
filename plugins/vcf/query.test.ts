import { describe, expect, it } from 'vitest';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import plugin from './index.js';
import { readVcf, run } from './test-helpers.js';

/** vcf.read -> vcf.query -> the lines text.write would print. */
async function query(file: string, format: string): Promise<string> {
  const { records } = await readVcf({ path: file });
  const out = await runStageForTest(plugin.stages.query, { params: { format }, inputs: { in: records } });
  return (out.records as string[]).map((line) => `${line}\n`).join('');
}

const SITE_GT = '%CHROM\\t%POS\\t%ID\\t%REF\\t%ALT\\t%QUAL\\t%FILTER[\\t%GT]\\n';
// bcftools refuses tags the header does not declare (mpileup.vcf.gz declares no GT).
const cases: Array<[string, string]> = [
  ['variantannotation/chr22.vcf.gz', SITE_GT],
  ['variantannotation/chr22.vcf.gz', '%CHROM:%POS %INFO/LDAF %AN %INFO/AC %INFO/SVTYPE[ %SAMPLE=%GT:%DS]\\n'],
  ['variantannotation/chr22.vcf.gz', '[%CHROM %POS %SAMPLE %GT\\n]'],
  ['pyvcf/1kg.vcf.gz', SITE_GT],
  ['pyvcf/1kg.vcf.gz', '%CHROM:%POS %INFO/DP %INFO/AF %INFO/CB[ %SAMPLE=%GT:%GQ:%AD]\\n'],
  ['bcftools/mpileup.vcf.gz', '%CHROM\\t%POS\\t%ID\\t%REF\\t%ALT\\t%QUAL\\t%FILTER[\\t%DP]\\n'],
  ['bcftools/mpileup.vcf.gz', '%POS\\t%INFO/INDEL\\t%INFO/IMF\\t%DP\\t%I16[\\t%PL:%DP:%DV]\\n'],
];

describe('vcf.query equals bcftools query byte for byte', () => {
  it.each(cases)('%s %s', async (name, format) => {
    const file = sharedData(`vcf/${name}`);
    const theirs = run('bcftools', [
      'query',
      '-f',
      format.replaceAll('\\t', '\t').replaceAll('\\n', '\n'),
      file,
    ]);
    const ours = await query(file, format);
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours).toBe(theirs);
  });

  it('rejects a format that does not end in \\n, or has unbalanced brackets', async () => {
    const file = sharedData('vcf/bcftools/mpileup.vcf');
    await expect(query(file, '%CHROM')).rejects.toThrow('format must end in \\n');
    await expect(query(file, '%CHROM[%GT\\n')).rejects.toThrow('brackets not closed');
    await expect(query(file, '%CHROM %GT\\n')).rejects.toThrow('%GT outside brackets, expected [%GT]');
  });
});
