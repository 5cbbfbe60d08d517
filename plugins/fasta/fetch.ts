import { defineStage, z } from '../../src/plugin-api/index.js';

const params = z
  .strictObject({
    reference: z.string(),
    regions: z
      .array(z.string())
      .optional()
      .describe('`chr:start-end` (1-based, inclusive) or `chr`, as samtools faidx takes them.'),
    'regions-file': z.string().optional().describe('A file with one region per line (samtools faidx -r).'),
  })
  .refine((p) => (p.regions === undefined) !== (p['regions-file'] === undefined), {
    message: "give exactly one of 'regions' or 'regions-file'",
  });
export type FetchParams = z.output<typeof params>;

export const fetch = defineStage({
  description: 'Regions of an indexed FASTA (plain + .fai or bgzip + .fai + .gzi), like samtools faidx',
  params,
  inputs: {},
  inputFiles: (p) => ({ reference: p.reference, 'regions-file': p['regions-file'] }),
  output: 'sequence',
  load: () => import('./fetch-run.js'),
});
