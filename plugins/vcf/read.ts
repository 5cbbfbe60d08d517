import { defineStage, z } from '../../src/plugin-api/index.js';

const params = z.strictObject({
  path: z.string(),
  /** `chr1`, `chr1:1000-2000` (1-based, inclusive) or a list of them; needs a .tbi or .csi index. */
  regions: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  'on-invalid': z.enum(['error', 'skip']).default('error'),
  /** File that receives each skipped line (default `<scratch>/rejects.txt`). */
  rejects: z.string().optional(),
  /** Check every line as bcftools does (sample columns, GT, numeric FORMAT values). */
  strict: z.boolean().default(true),
});
export type ReadParams = z.output<typeof params>;

export const read = defineStage({
  description:
    'VCF records of a plain or bgzipped VCF or BCF file or stdin (-); regions through its .tbi/.csi index',
  params,
  inputs: {},
  output: 'vcf-record',
  inputFiles: (p) => ({ path: p.path }),
  load: () => import('./read-run.js'),
});
