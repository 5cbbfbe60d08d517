import { z } from '../../src/plugin-api/index.js';
import { backendChoices } from './backend.js';
import { inferenceChoices } from './inference-backend.js';

// Numbers are coerced because `${params.x}` substitutions arrive as strings.
const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** `backend`: auto (tfjs-node, else wasm, else cpu; env GENOFLOW_TF_BACKEND) or one forced. */
export const backendParam = z.enum(backendChoices).default('auto');

/** `backend` of predicting stages: the same, or onnx (onnxruntime-node); auto prefers tfjs-node, then onnx. */
export const inferenceBackendParam = z.enum(inferenceChoices).default('auto');

/** Architecture and optimisation params shared by `tfjs.train` and re-training in `tfjs.evaluate`. */
export const trainingParams = {
  model: z.enum(['lstm', 'cnn', 'transformer']).default('cnn'),
  'embedding-dim': count(64),
  units: count(64),
  filters: count(128),
  'kernel-size': count(9),
  layers: count(1),
  heads: count(4),
  'ff-dim': count(128),
  dropout: z.coerce.number().min(0).max(0.9).default(0.1),
  pooling: z.enum(['cls', 'mean']).default('mean'),
  // CNN only: 0 is global max pooling; n keeps positions in max-pooled windows of n tokens.
  'pool-size': z.coerce.number().int().min(0).default(0),
  // A ReLU hidden layer before the softmax; 0 for none.
  'dense-units': z.coerce.number().int().min(0).default(0),
  epochs: count(10),
  'batch-size': count(64),
  'learning-rate': z.coerce.number().positive().default(0.001),
  patience: z.coerce.number().int().min(0).default(3),
  'class-weight': z.enum(['balanced', 'none']).default('balanced'),
  seed: z.coerce.number().int().default(42),
  // Augmentation: each epoch moves every training row by a random -n … n tokens.
  shift: z.coerce.number().int().min(0).default(0),
  // Models trained with seeds seed … seed+n-1 whose mean probabilities the bundle predicts.
  ensemble: count(1),
  'validation-split': z.coerce.number().min(0).max(0.5).default(0.1),
};
