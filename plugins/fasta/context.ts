import { defineStage, z } from '../../src/plugin-api/index.js';

const params = z.strictObject({
  /** Indexed FASTA: plain + .fai, or bgzip + .fai + .gzi. */
  reference: z.string(),
  flank: z.number().int().nonnegative().default(50),
  /** A REF that disagrees with the reference fails the run, or marks the record invalid. */
  'on-mismatch': z.enum(['error', 'skip']).default('error'),
});
export type ContextParams = z.output<typeof params>;

export const context = defineStage({
  description: 'Reference and alternate sequence windows of `flank` bases around each VCF record',
  params,
  inputs: { in: 'vcf-record' },
  inputFiles: (p) => ({ reference: p.reference }),
  output: 'sequence',
  load: () => import('./context-run.js'),
});
