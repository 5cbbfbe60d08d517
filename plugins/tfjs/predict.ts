import { defineStage, z } from '../../src/plugin-api/index.js';
import { inferenceBackendParam } from './params.js';

const params = z.strictObject({
  model: z.string().optional(),
  positive: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The class to score (`score` is its probability); a model without it is refused, naming its labels. Default: the bundle's positive class",
    ),
  'batch-size': z.coerce.number().int().positive().default(256),
  backend: inferenceBackendParam,
  explain: z
    .boolean()
    .default(false)
    .describe(
      "Explain each score by in-silico mutagenesis of the whole window: `top_pos`, the 1-based position of the base whose substitution moves the score most (genome coordinates where the record has a locus), and `top_delta`, that substitution's change of the score",
    ),
});
export type PredictParams = z.output<typeof params>;

export const predict = defineStage({
  description:
    'Class probabilities and predicted label of every token-batch row, by a model bundle (the mean of an ensemble)',
  params,
  inputs: { in: 'token-batch', model: 'model?' },
  output: 'prediction',
  load: () => import('./predict-run.js'),
});
