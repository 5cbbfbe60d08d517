import { defineStage, z } from '../../../src/plugin-api/index.js';

const params = z.strictObject({
  out: z.string().describe('Directory for motifs.meme, motifs.tsv, matches.tsv and logos/.'),
  known: z.string().optional().describe('A MEME file of known motifs to match the found ones against.'),
  width: z.coerce.number().int().min(3).default(8).describe('Seqlet window, in bases.'),
  flank: z.coerce
    .number()
    .int()
    .min(0)
    .default(3)
    .describe('Bases either side of a seqlet that alignment may shift it by.'),
  z: z.coerce
    .number()
    .positive()
    .default(3)
    .describe('A window is a seqlet when its attribution sum is above median + z robust SDs.'),
  similarity: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.7)
    .describe('Cosine similarity for a seqlet to join a cluster.'),
  trim: z.coerce.number().min(0).max(1).default(0.3),
  'min-support': z.coerce.number().int().positive().default(5),
  'max-motifs': z.coerce.number().int().positive().default(10),
});
export type MotifsParams = z.output<typeof params>;

export const motifs = defineStage({
  description:
    'Motifs from attributions (TF-MoDISco-like): high-attribution seqlets clustered into PWMs, ranked by support, written as MEME, matched to known motifs',
  params,
  inputs: { in: 'attribution' },
  output: 'motif',
  load: () => import('./motifs-run.js'),
});
