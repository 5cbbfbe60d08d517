import { defineStage, z } from '../../src/plugin-api/index.js';
import { backendParam, trainingParams } from './params.js';

const params = z.strictObject({
  out: z.string(),
  backend: backendParam,
  positive: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The class whose probability is the score (and the positive class of the binary metrics); it must be among the labels. Default: the last label in sorted order',
    ),
  ...trainingParams,
});
export type TrainParams = z.output<typeof params>;

export const train = defineStage({
  description:
    'Trains an LSTM, CNN or transformer classifier (or a seed ensemble of them) on labelled token batches into a model bundle',
  params,
  inputs: { in: 'token-batch', valid: 'token-batch?' },
  output: 'model',
  expensive: true,
  load: () => import('./train-run.js'),
});
