import { defineStage, z } from '../../src/plugin-api/index.js';
import { MAX_COUNT_K } from './count-kernel.js';

const params = z.strictObject({
  k: z.number().int().min(1).max(MAX_COUNT_K).default(6),
  canonical: z.boolean().default(false).describe('count a k-mer and its reverse complement as one'),
  per: z.enum(['sequence', 'all']).default('sequence'),
  'min-count': z.number().int().min(1).default(1).describe('per: all — drop k-mers seen fewer times'),
  normalize: z.boolean().default(false).describe('per: sequence — frequencies instead of counts'),
  'batch-size': z.number().int().min(1).default(256).describe('per: sequence — sequences per task'),
  threads: z.number().int().min(0).optional().describe('worker threads (default --threads; 0 = main thread)'),
});
export type CountParams = z.output<typeof params>;

export const count = defineStage({
  description: 'Counts k-mers: a dense spectrum per sequence (k <= 12), or { kmer, count } over all input',
  params,
  inputs: { in: 'sequence' },
  output: 'record',
  load: () => import('./count-run.js'),
});
