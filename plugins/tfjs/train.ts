import { defineStage, z } from '../../src/plugin-api/index.js';
import { backendParam, trainingParams } from './params.js';

const params = z.strictObject({ out: z.string(), backend: backendParam, ...trainingParams });
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
