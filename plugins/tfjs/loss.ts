import * as tf from '@tensorflow/tfjs';

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
