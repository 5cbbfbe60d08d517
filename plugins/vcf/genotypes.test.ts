import { describe, expect, it } from 'vitest';
import { codecContext } from '../../src/plugin-api/index.js';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import { genotypeMatrixCodec } from './genotype-codec.js';
import type { GenotypeMatrix } from './genotypes.js';
import plugin from './index.js';
import { readVcf, run } from './test-helpers.js';

const file = sharedData('vcf/pyvcf/1kg.vcf.gz');

async function matrix(params: Record<string, unknown>, path = file) {
  const { records } = await readVcf({ path });
  const out = await runStageForTest(plugin.stages.genotypes, { params, inputs: { in: records } });
  expect(out.records).toHaveLength(1);
  return { matrix: out.records[0] as GenotypeMatrix, counters: out.counters };
}

/** Per site, from bcftools: site columns and each sample's ALT count (null when missing). */
function bcftoolsSites(path: string) {
  const text = run('bcftools', ['query', '-f', '%CHROM\t%POS\t%ID\t%REF\t%ALT\t[%GT\t]\n', path]);
  return text
    .slice(0, -1) // the last newline (trimEnd would take the last line's final tab too)
    .split('\n')
    .map((line) => {
      const [chrom, pos, id, ref, alt, ...gts] = line.split('\t');
      gts.pop(); // the empty field after the last tab
      const dosages = gts.map((gt) => {
        const alleles = gt.split(/[/|]/);
        if (alleles.some((a) => a === '.' || a === '')) return null;
        return { alt: alleles.filter((a) => a !== '0').length, ploidy: alleles.length };
      });
      return { chrom: chrom!, pos: Number(pos), id: id!, ref: ref!, alt: alt!, dosages };
    });
}

/** What vcf.genotypes should keep, computed the plain way from bcftools' GT strings. */
function expected(minMaf: number, minCallRate: number) {
  const kept = [];
  const dropped = { maf: 0, callRate: 0, multiallelic: 0 };
  for (const site of bcftoolsSites(file)) {
    if (site.alt.includes(',')) {
      dropped.multiallelic++;
      continue;
    }
    const called = site.dosages.filter((d) => d !== null);
    const alleles = called.reduce((n, d) => n + d.ploidy, 0);
    const altAlleles = called.reduce((n, d) => n + d.alt, 0);
    const af = alleles ? altAlleles / alleles : 0;
    const callRate = called.length / site.dosages.length;
    if (callRate < minCallRate) dropped.callRate++;
    else if (Math.min(af, 1 - af) < minMaf) dropped.maf++;
    // A site nobody was called at (kept only with min-call-rate 0) imputes 0.
    else
      kept.push({
        ...site,
        maf: Math.min(af, 1 - af),
        callRate,
        mean: called.length ? altAlleles / called.length : 0,
      });
  }
  return { kept, dropped };
}

describe('vcf.genotypes on 1kg.vcf.gz (629 samples) against bcftools query [%GT]', () => {
  it.each([
    [0.01, 0.9],
    [0.05, 0.5],
    [0, 0],
  ])('min-maf %s, min-call-rate %s: every kept dosage and the drop counts', async (minMaf, minCallRate) => {
    const { matrix: m, counters } = await matrix({ 'min-maf': minMaf, 'min-call-rate': minCallRate });
    const want = expected(minMaf, minCallRate);
    expect(m.samples).toEqual(run('bcftools', ['query', '-l', file]).trimEnd().split('\n'));
    expect(m.samples).toHaveLength(629);
    expect(m.dropped).toEqual(want.dropped);
    expect(want.kept.length).toBeGreaterThan(0);
    expect(m.variants.map((v) => `${v.chrom}:${v.pos}:${v.id}:${v.ref}:${v.alt}`)).toEqual(
      want.kept.map((v) => `${v.chrom}:${v.pos}:${v.id}:${v.ref}:${v.alt}`),
    );
    expect(m.dosage).toHaveLength(629 * want.kept.length);
    const V = want.kept.length;
    let missing = 0;
    want.kept.forEach((site, v) => {
      expect(m.variants[v]!.maf).toBeCloseTo(site.maf, 12);
      expect(m.variants[v]!.callRate).toBeCloseTo(site.callRate, 12);
      site.dosages.forEach((d, s) => {
        if (d === null) missing++;
        // Missing genotypes get the site's mean dosage (as float32).
        expect(m.dosage[s * V + v]).toBe(Math.fround(d === null ? site.mean : d.alt));
      });
    });
    expect(m.missing).toBe(missing);
    expect(counters.imputed ?? 0).toBe(missing);
  });

  it('impute: zero fills missing genotypes with 0; biallelic-only: false keeps multi-allelic sites', async () => {
    const { matrix: m } = await matrix({ impute: 'zero', 'min-call-rate': 0, 'biallelic-only': false });
    const sites = bcftoolsSites(file);
    expect(m.dropped.multiallelic).toBe(0);
    const V = m.variants.length;
    const byPos = new Map(sites.map((site) => [`${site.chrom}:${site.pos}:${site.alt}`, site]));
    m.variants.forEach((variant, v) => {
      const site = byPos.get(`${variant.chrom}:${variant.pos}:${variant.alt}`)!;
      site.dosages.forEach((d, s) => {
        expect(m.dosage[s * V + v]).toBe(d === null ? 0 : d.alt);
      });
    });
  });

  it('max-variants: more kept variants is an error naming the limit', async () => {
    await expect(matrix({ 'max-variants': 5 })).rejects.toThrow(
      /more than max-variants \(5\) variants pass the filters at 2:\d+/,
    );
  });

  it('haploid genotypes count 0/1 (vcfjs/y-chrom-haploid.vcf)', async () => {
    const path = sharedData('vcf/vcfjs/y-chrom-haploid.vcf');
    const { matrix: m } = await matrix({ 'min-maf': 0, 'min-call-rate': 0, impute: 'zero' }, path);
    const sites = bcftoolsSites(path).filter((site) => !site.alt.includes(','));
    expect(m.samples).toHaveLength(4);
    expect(m.variants.map((v) => v.pos)).toEqual(sites.map((site) => site.pos));
    const V = m.variants.length;
    sites.forEach((site, v) => {
      site.dosages.forEach((d, s) => {
        if (d) expect(d.ploidy).toBe(1);
        expect(m.dosage[s * V + v]).toBe(d === null ? 0 : d.alt);
      });
    });
    expect(m.missing).toBeGreaterThan(0);
  });

  it('the codec round-trips the matrix', async () => {
    const { matrix: m } = await matrix({});
    const bytes = genotypeMatrixCodec.createEncoder(codecContext([]))(m);
    const back = genotypeMatrixCodec.createDecoder(codecContext([]))(bytes.subarray(0));
    expect(back).toEqual(m);
    expect(back.dosage).toBeInstanceOf(Float32Array);
  });
});
