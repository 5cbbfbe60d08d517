import { defineStage, z } from '../../src/plugin-api/index.js';
import { inferenceBackendParam } from './params.js';

const params = z.strictObject({
  out: z.string(),
  folds: z.coerce.number().int().min(0).default(0),
  'batch-size': z.coerce.number().int().positive().default(256),
  backend: inferenceBackendParam,
});
export type EvaluateParams = z.output<typeof params>;

export const evaluate = defineStage({
  description:
    'Accuracy, precision, recall, F1, MCC, ROC/PR AUC and confusion matrix of a model on labelled batches',
  params,
  inputs: { model: 'model', in: 'token-batch' },
  output: 'metrics',
  load: () => import('./evaluate-run.js'),
});
