import { tf } from './backend.js';

export interface RiskFitOptions {
  model: 'logistic' | 'mlp';
  /** Penalty on the squared weights, added to the mean cross-entropy. */
  l2: number;
  /** Full-batch Adam steps. */
  epochs: number;
  learningRate: number;
  /** Hidden units of the MLP. */
  hidden: number;
  seed: number;
}

export interface RiskModel {
  /** Probability of being a case, for each row of standardised `x` (rows × the fitted columns). */
  predict(x: Float32Array, rows: number): Float32Array;
  /**
   * Per input column: the logistic coefficient (log-odds per SD of dosage, signed), or for
   * the MLP the L2 norm of the column's first-layer weights (unsigned).
   */
  importance(): Float32Array;
  dispose(): void;
}

/** Column means and SDs over `rows` of `x` (monomorphic columns get SD 1, so they stay 0). */
export function columnScales(x: Float32Array, cols: number, rows: readonly number[]) {
  const mean = new Float64Array(cols);
  const sd = new Float64Array(cols);
  for (const r of rows) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows.length;
  for (const r of rows) {
    for (let c = 0; c < cols; c++) sd[c]! += (x[r * cols + c]! - mean[c]!) ** 2;
  }
  for (let c = 0; c < cols; c++) sd[c] = Math.sqrt(sd[c]! / rows.length) || 1;
  return { mean, sd };
}

/** `rows` of `x`, standardised by `scales` (of the training rows, so test rows never leak into them). */
export function standardised(
  x: Float32Array,
  cols: number,
  rows: readonly number[],
  scales: { mean: Float64Array; sd: Float64Array },
): Float32Array {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let c = 0; c < cols; c++) out[i * cols + c] = (x[r * cols + c]! - scales.mean[c]!) / scales.sd[c]!;
  });
  return out;
}

/** Fits a logistic regression or a one-hidden-layer MLP to standardised `x` and 0/1 `y`. */
export function fitRiskModel(
  x: Float32Array,
  y: Float32Array,
  cols: number,
  options: RiskFitOptions,
): RiskModel {
  const rows = y.length;
  const prevalence = Math.min(0.99, Math.max(0.01, y.reduce((a, b) => a + b, 0) / rows));
  const weights: tf.Variable[] =
    options.model === 'logistic'
      ? [tf.variable(tf.zeros([cols, 1]))]
      : [
          tf.variable(
            tf.randomNormal([cols, options.hidden], 0, Math.sqrt(2 / cols), 'float32', options.seed),
          ),
          tf.variable(
            tf.randomNormal(
              [options.hidden, 1],
              0,
              Math.sqrt(1 / options.hidden),
              'float32',
              options.seed + 1,
            ),
          ),
        ];
  const hiddenBias = tf.variable(tf.zeros([options.hidden]));
  // Starting from the prevalence, the first steps fit weights rather than the intercept.
  const bias = tf.variable(tf.scalar(Math.log(prevalence / (1 - prevalence))));
  const logits = (input: tf.Tensor2D): tf.Tensor2D =>
    options.model === 'logistic'
      ? input.matMul(weights[0]!).add(bias)
      : tf.relu(input.matMul(weights[0]!).add(hiddenBias)).matMul(weights[1]!).add(bias);
  const trainable = options.model === 'logistic' ? [weights[0]!, bias] : [...weights, hiddenBias, bias];

  const X = tf.tensor2d(x, [rows, cols]);
  const Y = tf.tensor2d(y, [rows, 1]);
  const optimizer = tf.train.adam(options.learningRate);
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      optimizer.minimize(
        () => {
          const penalty = weights.reduce((sum: tf.Scalar, w) => sum.add(w.square().sum()), tf.scalar(0));
          return tf.losses.sigmoidCrossEntropy(Y, logits(X)).add(penalty.mul(options.l2)) as tf.Scalar;
        },
        false,
        trainable,
      );
    }
  } finally {
    optimizer.dispose();
    X.dispose();
    Y.dispose();
  }

  return {
    predict(input, n) {
      return tf.tidy(() => tf.sigmoid(logits(tf.tensor2d(input, [n, cols]))).dataSync() as Float32Array);
    },
    importance() {
      return tf.tidy(() =>
        options.model === 'logistic'
          ? (weights[0]!.reshape([cols]).dataSync() as Float32Array)
          : (weights[0]!.square().sum(1).sqrt().dataSync() as Float32Array),
      );
    },
    dispose() {
      for (const v of [...weights, hiddenBias, bias]) v.dispose();
    },
  };
}
