import * as tf from '@tensorflow/tfjs';
import { type FoldedModel, foldedTrainingApply } from './embedding-conv.js';

/** What one training step needs of a batch (or of a part of one). */
export interface BatchRows {
  ids: Int32Array;
  labels: Int32Array;
  sampleWeights: Float32Array;
  length: number;
}

/**
 * The training loss of a batch or a part of one: class-weighted cross-entropy summed over
 * the rows of `probs` and divided by the rows of the whole batch, so that the parts of a
 * split batch add up to the batch's mean. Also counts the rows predicted right.
 */
export function batchLoss(
  probs: tf.Tensor,
  labels: Int32Array,
  sampleWeights: Float32Array,
  batchRows: number,
): { loss: tf.Scalar; correct: tf.Scalar } {
  const classes = probs.shape[1]!;
  const y = tf.tensor1d(labels, 'int32');
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), y), 'int32')) as tf.Scalar;
  const logp = tf.log(tf.clipByValue(probs, 1e-7, 1 - 1e-7));
  const ce = tf.neg(tf.sum(tf.mul(tf.oneHot(y, classes), logp), -1));
  const loss = tf.div(tf.sum(tf.mul(ce, tf.tensor1d(sampleWeights))), batchRows) as tf.Scalar;
  return { loss, correct };
}

/**
 * The gradients for `variables` of `batch`'s loss (batchLoss, divided by `batchRows`), the
 * loss and the rows predicted right; a CNN's Embedding → Conv1D trains through `fold`.
 * The caller disposes the gradients.
 */
export function batchGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  fold: FoldedModel | null,
  batch: BatchRows,
  batchRows: number,
): { grads: tf.NamedTensorMap; loss: number; correct: number } {
  const rows = batch.labels.length;
  let correct: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const probs = fold
      ? foldedTrainingApply(fold, batch.ids, rows, batch.length)
      : (model.apply(tf.tensor2d(batch.ids, [rows, batch.length], 'int32'), { training: true }) as tf.Tensor);
    const part = batchLoss(probs, batch.labels, batch.sampleWeights, batchRows);
    correct = tf.keep(part.correct);
    return part.loss;
  }, variables);
  const result = { grads, loss: value.dataSync()[0]!, correct: correct!.dataSync()[0]! };
  tf.dispose([value, correct!]);
  return result;
}
