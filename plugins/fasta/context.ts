import { defineStage, type SequenceRecord, z } from '../../src/plugin-api/index.js';
import { openReference } from './reference.js';
import { ReferenceCache } from './reference-cache.js';

/** The fields of a `vcf-record` this stage reads (read structurally, from any producer). */
interface VariantLike {
  chrom: string;
  pos: number;
  ref: string;
  alt: string[];
}

/** A variant's windows: `seq` carries the ALT allele, `refSeq` the reference bases. */
export interface ContextRecord extends SequenceRecord {
  refSeq?: string;
}

/** Symbolic (`<DEL>`), spanning-deletion (`*`), missing (`.`) and breakend alleles have no bases to splice in. */
const PLAIN_ALLELE = /^[ACGTNacgtn]+$/;

export const context = defineStage({
  description: 'Reference and alternate sequence windows of `flank` bases around each VCF record',
  params: z.strictObject({
    /** Indexed FASTA: plain + .fai, or bgzip + .fai + .gzi. */
    reference: z.string(),
    flank: z.number().int().nonnegative().default(50),
    /** A REF that disagrees with the reference fails the run, or marks the record invalid. */
    'on-mismatch': z.enum(['error', 'skip']).default('error'),
  }),
  inputs: { in: 'vcf-record' },
  inputFiles: (p) => ({ reference: p.reference }),
  output: 'sequence',
  async *run(ctx) {
    const { flank } = ctx.params;
    const reference = await openReference(ctx, ctx.params.reference);
    const cache = new ReferenceCache(reference);
    const invalid = (record: ContextRecord, reason: string): ContextRecord => {
      ctx.progress.count('invalid');
      return { ...record, seq: '', invalid: reason };
    };
    try {
      for await (const item of ctx.inputs.in!) {
        ctx.signal.throwIfAborted();
        const variant = item as VariantLike;
        const { chrom, pos, ref } = variant;
        const alt = variant.alt.find((allele) => PLAIN_ALLELE.test(allele));
        const named: ContextRecord = {
          id: `${chrom}:${pos}:${ref}>${alt ?? variant.alt.join(',')}`,
          seq: '',
          source: item,
        };
        const length = reference.lengths.get(chrom);
        if (length === undefined) {
          yield invalid(named, `contig '${chrom}' is not in ${reference.path}`);
          continue;
        }
        const refStart = pos - 1;
        const refEnd = refStart + ref.length;
        if (refStart < 0 || refEnd > length) {
          yield invalid(named, `REF ${chrom}:${pos}-${refEnd} lies outside the contig (length ${length})`);
          continue;
        }
        const start = Math.max(0, refStart - flank);
        const end = Math.min(length, refEnd + flank);
        const refSeq = await cache.slice(chrom, start, end);
        const found = refSeq.slice(refStart - start, refEnd - start);
        if (found.toUpperCase() !== ref.toUpperCase()) {
          const reason = `REF '${ref}' does not match reference '${found}'`;
          if (ctx.params['on-mismatch'] === 'error') {
            throw new Error(
              `${reference.path}: record ${chrom}:${pos}: ${reason}, expected the VCF's reference genome`,
            );
          }
          ctx.progress.count('ref-mismatch');
          yield invalid({ ...named, chrom, start, end }, reason);
          continue;
        }
        if (alt === undefined) {
          yield invalid(
            { ...named, chrom, start, end },
            `no ALT allele with bases (ALT ${variant.alt.join(',') || '.'})`,
          );
          continue;
        }
        const seq = refSeq.slice(0, refStart - start) + alt + refSeq.slice(refEnd - start);
        yield { id: named.id, seq, refSeq, chrom, start, end, source: item } satisfies ContextRecord;
      }
    } finally {
      await reference.close();
    }
  },
});
