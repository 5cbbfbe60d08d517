import { defineStage, z } from '../../src/plugin-api/index.js';
import { MAX_TOKENIZER_K } from './base-codes.js';

const params = z.strictObject({
  kind: z.enum(['overlapping', 'non-overlapping', 'base']).default('overlapping'),
  k: z.number().int().min(1).max(MAX_TOKENIZER_K).optional().describe('k-mer length (default 6; 1 for base)'),
  stride: z.number().int().min(1).optional().describe('default 1 for overlapping, k for non-overlapping'),
  'max-tokens': z.number().int().min(1).default(512).describe('row length, [CLS] included'),
  truncate: z
    .enum(['head', 'tail', 'centre'])
    .default('head')
    .describe('which part of a long sequence is kept'),
  ambiguous: z.enum(['unk', 'skip']).default('unk').describe('a k-mer with N or another IUPAC code'),
  cls: z.boolean().default(false),
  'batch-size': z.number().int().min(1).default(256).describe('rows per token batch'),
  threads: z.number().int().min(0).optional().describe('worker threads (default --threads; 0 = main thread)'),
});
export type EncodeParams = z.output<typeof params>;

export const encode = defineStage({
  description: 'Tokenizes sequences into k-mer token batches (Int32Array rows) in a worker pool',
  params,
  inputs: { in: 'sequence' },
  output: 'token-batch',
  // A batch holds `batch-size` rows: a few waiting per consumer are plenty.
  outputBuffer: 4,
  load: () => import('./encode-run.js'),
});
