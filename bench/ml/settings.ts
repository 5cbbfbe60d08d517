import type { TrainSettings } from '../../plugins/tfjs/trainer.js';

/**
 * The CNN setting for the B. subtilis promoter set (81 bp), after CNNProm: single-base
 * tokens, one convolution of width 11, local max pooling, a dense hidden layer with dropout.
 */
export const bacillusSettings: TrainSettings = {
  model: 'cnn',
  'embedding-dim': 8,
  units: 32,
  filters: 100,
  'kernel-size': 11,
  layers: 1,
  heads: 2,
  'ff-dim': 32,
  dropout: 0.5,
  pooling: 'mean',
  'pool-size': 8,
  'dense-units': 128,
  epochs: 40,
  'batch-size': 32,
  'learning-rate': 0.001,
  patience: 6,
  'class-weight': 'balanced',
  seed: 1,
};
