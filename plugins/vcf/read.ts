import { defineStage, z } from '../../src/plugin-api/index.js';

const params = z.strictObject({
  path: z.string(),
  regions: z
    .union([z.string(), z.array(z.string()).min(1)])
    .optional()
    .describe('`chr1`, `chr1:1000-2000` (1-based, inclusive) or a list of them; needs a .tbi or .csi index.'),
  'on-invalid': z.enum(['error', 'skip']).default('error'),
  rejects: z
    .string()
    .optional()
    .describe('File that receives each skipped line (default `<scratch>/rejects.txt`).'),
  strict: z
    .boolean()
    .default(true)
    .describe('Check every line as bcftools does (sample columns, GT, numeric FORMAT values).'),
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
