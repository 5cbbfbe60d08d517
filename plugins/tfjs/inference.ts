import * as tf from '@tensorflow/tfjs';
import { foldEmbeddingConv, foldedApply } from './embedding-conv.js';

export interface Predictor {
  /** Class probabilities of `rows` rows of ids (row-major, `length` wide). */
  predict(ids: Int32Array, rows: number): Float32Array;
  dispose(): void;
}

/**
 * Predicts in batches of `batchSize`, folding a CNN's Embedding → Conv1D into a table when
 * `expectedRows` rows are enough to repay the table (see embedding-conv.ts). The model's
 * weights must not change while the predictor is in use.
 */
export function createPredictor(
  model: tf.LayersModel,
  length: number,
  batchSize: number,
  expectedRows = Number.POSITIVE_INFINITY,
): Predictor {
  const classes = (model.outputs[0]!.shape as number[])[1]!;
  const vocab =
    model.layers[0]?.getClassName() === 'Embedding' ? model.layers[0].getWeights()[0]!.shape[0]! : 0;
  const fold = expectedRows * length >= vocab ? foldEmbeddingConv(model) : null;
  const tables = fold?.tables();
  const forward = (ids: Int32Array, count: number): tf.Tensor =>
    fold
      ? foldedApply(fold, tables!, ids, count, length, false)
      : (model.apply(tf.tensor2d(ids, [count, length], 'int32'), { training: false }) as tf.Tensor);
  const predict = (ids: Int32Array, rows: number) => {
    const out = new Float32Array(rows * classes);
    for (let start = 0; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const probs = tf.tidy(() => forward(ids.subarray(start * length, (start + count) * length), count));
      out.set(probs.dataSync(), start * classes);
      probs.dispose();
    }
    return out;
  };
  return { predict, dispose: () => tf.dispose(tables ?? []) };
}

/**
 * Predicts the mean of the members' class probabilities (a single member: its own,
 * unchanged). Each member predicts as createPredictor does.
 */
export function createEnsemblePredictor(
  models: readonly tf.LayersModel[],
  length: number,
  batchSize: number,
  expectedRows = Number.POSITIVE_INFINITY,
): Predictor {
  const predictors = models.map((m) => createPredictor(m, length, batchSize, expectedRows));
  if (predictors.length === 1) return predictors[0]!;
  const predict = (ids: Int32Array, rows: number) => {
    const sum = new Float64Array(predictors[0]!.predict(ids, rows));
    for (const p of predictors.slice(1)) {
      const probs = p.predict(ids, rows);
      for (let i = 0; i < sum.length; i++) sum[i]! += probs[i]!;
    }
    return Float32Array.from(sum, (s) => s / predictors.length);
  };
  const dispose = () => {
    for (const p of predictors) p.dispose();
  };
  return { predict, dispose };
}

/**
 * The class probabilities of `rows` rows of ids (row-major, `length` wide), in batches: a
 * model's own, or an ensemble's mean over its members.
 */
export function predictProbabilities(
  models: readonly tf.LayersModel[],
  ids: Int32Array,
  rows: number,
  length: number,
  batchSize: number,
): Float32Array {
  const predictor = createEnsemblePredictor(models, length, batchSize, rows);
  try {
    return predictor.predict(ids, rows);
  } finally {
    predictor.dispose();
  }
}

/** Index of the largest of each row of `probabilities` (rows × classes). */
export function argMaxRows(probabilities: Float32Array, classes: number): Int32Array {
  const rows = probabilities.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (probabilities[r * classes + c]! > probabilities[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}
