import * as tf from '@tensorflow/tfjs';

/** Class probabilities of `rows` rows of ids (row-major, `length` wide), in batches. */
export function predictProbabilities(
  model: tf.LayersModel,
  ids: Int32Array,
  rows: number,
  length: number,
  batchSize: number,
): Float32Array {
  const classes = (model.outputs[0]!.shape as number[])[1]!;
  const out = new Float32Array(rows * classes);
  for (let start = 0; start < rows; start += batchSize) {
    const count = Math.min(batchSize, rows - start);
    const probs = tf.tidy(() => {
      const x = tf.tensor2d(ids.subarray(start * length, (start + count) * length), [count, length], 'int32');
      return (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(probs, start * classes);
  }
  return out;
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
