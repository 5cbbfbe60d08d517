import { defineStage, inputBatches, z } from '../../src/plugin-api/index.js';
import type { VcfHeader } from './header.js';
import type { VcfRecord } from './record.js';
import { formatIndex, sampleColumns, valueStart } from './sample-columns.js';

/** Port `genotype-matrix`: the kept variants of a VCF as ALT-allele dosages per sample. */
export interface GenotypeMatrix {
  samples: string[];
  variants: Array<{
    id: string;
    chrom: string;
    pos: number;
    ref: string;
    alt: string;
    /** Minor allele frequency over the called alleles. */
    maf: number;
    /** Fraction of samples with a called genotype. */
    callRate: number;
  }>;
  /** samples x variants, row-major: count of ALT alleles (0/1/2; haploid 0/1), missing imputed. */
  dosage: Float32Array;
  /** Genotypes that were missing (and imputed) among the kept variants. */
  missing: number;
  /** Variants left out, by reason. */
  dropped: { maf: number; callRate: number; multiallelic: number };
}

/** A missing genotype while dosages are gathered (imputed at the end). */
const MISSING = -1;

export const genotypes = defineStage({
  description:
    'A samples x variants matrix of ALT-allele dosages (MAF and call-rate filtered, missing imputed)',
  params: z.strictObject({
    'min-maf': z.number().min(0).max(0.5).default(0.01),
    'min-call-rate': z.number().min(0).max(1).default(0.9),
    impute: z
      .enum(['mean', 'zero'])
      .default('mean')
      .describe("`mean`: a missing genotype gets the variant's mean dosage; `zero`: 0."),
    'max-variants': z
      .number()
      .int()
      .positive()
      .default(200_000)
      .describe('More kept variants than this is an error: the matrix must fit in memory.'),
    'biallelic-only': z
      .boolean()
      .default(true)
      .describe('Drop (and count) sites with more than one ALT allele.'),
  }),
  inputs: { in: 'vcf-record' },
  output: 'genotype-matrix',
  expensive: false,
  async *run(ctx) {
    const { impute } = ctx.params;
    const minMaf = ctx.params['min-maf'];
    const minCallRate = ctx.params['min-call-rate'];
    const maxVariants = ctx.params['max-variants'];
    const dropped = { maf: 0, callRate: 0, multiallelic: 0 };
    const variants: GenotypeMatrix['variants'] = [];
    const columns: Int8Array[] = [];
    const means: number[] = [];
    let header: VcfHeader | undefined;
    let missing = 0;
    for await (const records of inputBatches(ctx.inputs.in as AsyncIterable<VcfRecord>)) {
      ctx.signal.throwIfAborted();
      for (const record of records) {
        header ??= record.header;
        if (
          record.header.samples !== header.samples &&
          record.header.samples.join('\t') !== header.samples.join('\t')
        ) {
          throw new Error(
            `vcf.genotypes: ${record.chrom}:${record.pos} comes from a VCF with other samples, expected one sample set`,
          );
        }
        if (ctx.params['biallelic-only'] && record.alt.length > 1) {
          dropped.multiallelic++;
          continue;
        }
        const column = new Int8Array(header.samples.length);
        const { called, alleles, altAlleles } = readDosages(record, column);
        const callRate = column.length ? called / column.length : 0;
        const frequency = alleles ? altAlleles / alleles : 0;
        const maf = Math.min(frequency, 1 - frequency);
        if (callRate < minCallRate) {
          dropped.callRate++;
          continue;
        }
        if (maf < minMaf) {
          dropped.maf++;
          continue;
        }
        if (variants.length === maxVariants) {
          throw new Error(
            `vcf.genotypes: more than max-variants (${maxVariants}) variants pass the filters at ${record.chrom}:${record.pos}, expected at most that many (raise max-variants, or min-maf / min-call-rate)`,
          );
        }
        const alt = record.alt.length ? record.alt.join(',') : '.';
        variants.push({
          id: record.id,
          chrom: record.chrom,
          pos: record.pos,
          ref: record.ref,
          alt,
          maf,
          callRate,
        });
        columns.push(column);
        means.push(called ? altAlleles / called : 0);
        missing += column.length - called;
      }
    }
    ctx.progress.count('imputed', missing);
    const samples = [...(header?.samples ?? [])];
    yield { samples, variants, dosage: toMatrix(columns, means, impute, samples.length), missing, dropped };
  },
});

/**
 * Reads each sample's GT into `column` as its count of non-REF alleles (MISSING when any
 * allele is `.` or the sample has no GT), scanning the line without splitting it.
 */
function readDosages(
  record: VcfRecord,
  column: Int8Array,
): { called: number; alleles: number; altAlleles: number } {
  const line = record.line;
  const gt = formatIndex(line, record.infoEnd, 'GT');
  const columns = sampleColumns(line, record.infoEnd, column.length);
  let called = 0;
  let alleles = 0;
  let altAlleles = 0;
  for (let s = 0; s < column.length; s++) {
    let at = valueStart(line, columns, s, gt);
    if (at < 0) {
      column[s] = MISSING;
      continue;
    }
    let dosage = 0;
    let ploidy = 0;
    let isMissing = false;
    let alleleIsRef = true;
    let inAllele = false;
    for (; at <= line.length; at++) {
      const c = at === line.length ? 9 : line.charCodeAt(at);
      if (c === 47 || c === 124 || c === 58 || c === 9) {
        // `/`, `|` end an allele; `:` or tab end the genotype.
        if (inAllele) {
          ploidy++;
          if (!alleleIsRef) dosage++;
        }
        inAllele = false;
        alleleIsRef = true;
        if (c === 58 || c === 9) break;
      } else if (c === 46) {
        isMissing = true;
      } else {
        inAllele = true;
        if (c !== 48) alleleIsRef = false;
      }
    }
    if (isMissing || ploidy === 0) {
      column[s] = MISSING;
      continue;
    }
    column[s] = dosage;
    called++;
    alleles += ploidy;
    altAlleles += dosage;
  }
  return { called, alleles, altAlleles };
}

/** The samples x variants dosage matrix, missing values imputed. */
function toMatrix(
  columns: Int8Array[],
  means: number[],
  impute: 'mean' | 'zero',
  sampleCount: number,
): Float32Array {
  const variantCount = columns.length;
  const dosage = new Float32Array(sampleCount * variantCount);
  for (let v = 0; v < variantCount; v++) {
    const column = columns[v]!;
    const fill = impute === 'mean' ? means[v]! : 0;
    for (let s = 0; s < sampleCount; s++) {
      const value = column[s]!;
      dosage[s * variantCount + v] = value === MISSING ? fill : value;
    }
  }
  return dosage;
}
