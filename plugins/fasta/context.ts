import { defineStage, z } from '../../src/plugin-api/index.js';

const params = z.strictObject({
  reference: z.string().describe('Indexed FASTA: plain + .fai, or bgzip + .fai + .gzi.'),
  flank: z.number().int().nonnegative().default(50),
  'on-mismatch': z
    .enum(['error', 'skip'])
    .default('error')
    .describe('A REF that disagrees with the reference fails the run, or marks the record invalid.'),
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
