import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/plugin-api/index.js';
import { basesRow, N_CODE, type RowLayout } from './token-bases.js';

export type GradientMethod = 'saliency' | 'gradient-x-input' | 'integrated-gradients';

/**
 * A model cut after its token embedding: `embed` gives the token vectors x [rows, length,
 * dim] (a transformer's token part, without the position embedding), `score` the class
 * probability from x. Gradients are taken with respect to x.
 */
export interface EmbeddingSplit {
  embed(ids: Int32Array, rows: number): tf.Tensor3D;
  score(x: tf.Tensor3D): tf.Tensor1D;
}

export function splitAtEmbedding(model: tf.LayersModel, length: number, classIndex: number): EmbeddingSplit {
  const [first, ...rest] = model.layers;
  const kind = first?.getClassName();
  if (kind !== 'Embedding' && kind !== 'GenoflowTokenAndPositionEmbedding')
    throw new Error(`gradients need a model that starts with a token embedding, not ${kind}`);
  const [tokens, positions] = first!.getWeights();
  return {
    embed: (ids, rows) => tf.gather(tokens!, tf.tensor2d(ids, [rows, length], 'int32')) as tf.Tensor3D,
    score: (x) =>
      tf.tidy(() => {
        let h: tf.Tensor = positions ? tf.add(x, tf.slice(positions, [0, 0], [length, -1])) : x;
        for (const layer of rest) h = layer.apply(h, { training: false }) as tf.Tensor;
        return tf.reshape(tf.slice(h, [0, classIndex], [-1, 1]), [-1]) as tf.Tensor1D;
      }),
  };
}

/** d score / d x for each row (rows are independent, so the gradient of their sum). */
export function embeddingGradients(split: EmbeddingSplit, x: tf.Tensor3D): tf.Tensor3D {
  return tf.grad((v: tf.Tensor) => tf.sum(split.score(v as tf.Tensor3D)))(x) as tf.Tensor3D;
}

export interface GradientOptions {
  method: GradientMethod;
  /** Integrated gradients: midpoint-rule steps from the baseline, to begin with. */
  steps: number;
  /**
   * Integrated gradients: the steps are doubled (up to `maxSteps`, default 16 × steps) until
   * every row's attributions sum to f(x) − f(x′) within this share (default 0.01). A CNN's
   * max pool and ReLUs switch along the path, so its gradient jumps and the midpoint rule
   * needs more steps than a smooth model's.
   */
  tolerance?: number;
  maxSteps?: number;
  /** Told the steps integrated gradients took and the largest relative gap left. */
  onIntegrated?: (steps: number, gap: number) => void;
  baseline: 'unk' | 'shuffle';
  seed: number;
}

/**
 * Token attributions [rows × length] of one model: saliency is the L2 norm of the gradient
 * at each token's vector; gradient × input the dot product of the two; integrated gradients
 * (x − x′) · the mean gradient on the straight path from the baseline x′ (every k-mer
 * [UNK], or the row's bases shuffled; [CLS] and [PAD] stay), whose sum over tokens is
 * f(x) − f(x′) up to the quadrature error.
 */
export function tokenAttributions(
  split: EmbeddingSplit,
  ids: Int32Array,
  bases: Uint8Array[],
  layout: RowLayout,
  options: GradientOptions,
): Float32Array {
  const rows = bases.length;
  const x = split.embed(ids, rows);
  let result: tf.Tensor;
  if (options.method !== 'integrated-gradients') {
    result = tf.tidy(() => {
      const g = embeddingGradients(split, x);
      return options.method === 'saliency' ? tf.norm(g, 'euclidean', -1) : tf.sum(tf.mul(x, g), -1);
    });
  } else {
    const reference = split.embed(baselineIds(bases, layout, options), rows);
    const difference = tf.sub(x, reference);
    const expected = tf.tidy(() => tf.sub(split.score(x), split.score(reference)).dataSync());
    const tolerance = options.tolerance ?? 0.01;
    const maxSteps = options.maxSteps ?? options.steps * 16;
    for (let steps = options.steps; ; steps *= 2) {
      result = pathIntegral(split, reference, difference, steps);
      const sums = tf.tidy(() => tf.sum(result!, -1).dataSync());
      let gap = 0;
      // Rows whose score does not move between baseline and input have nothing to complete.
      for (let r = 0; r < rows; r++)
        if (Math.abs(expected[r]!) > 1e-6)
          gap = Math.max(gap, Math.abs(sums[r]! - expected[r]!) / Math.abs(expected[r]!));
      if (gap <= tolerance || steps * 2 > maxSteps) {
        options.onIntegrated?.(steps, gap);
        break;
      }
      result.dispose();
    }
    tf.dispose([reference, difference]);
  }
  const out = result.dataSync() as Float32Array;
  tf.dispose([x, result]);
  return out;
}

/** Integrated gradients at `steps` midpoints: (x − x′) · the mean gradient on the path, per token. */
function pathIntegral(
  split: EmbeddingSplit,
  reference: tf.Tensor3D,
  difference: tf.Tensor,
  steps: number,
): tf.Tensor {
  let total: tf.Tensor = tf.zerosLike(difference);
  // One step at a time, so that memory holds one path point, not all of them.
  for (let i = 0; i < steps; i++) {
    const alpha = (i + 0.5) / steps;
    const next = tf.tidy(() =>
      tf.add(total, embeddingGradients(split, tf.add(reference, tf.mul(difference, alpha)) as tf.Tensor3D)),
    );
    total.dispose();
    total = next;
  }
  const result = tf.tidy(() => tf.sum(tf.mul(difference, tf.div(total, steps)), -1));
  total.dispose();
  return result;
}

/** The baseline rows of integrated gradients. */
export function baselineIds(bases: Uint8Array[], layout: RowLayout, options: GradientOptions): Int32Array {
  const ids = new Int32Array(bases.length * layout.length);
  bases.forEach((b, r) => {
    const baseline =
      options.baseline === 'unk' ? new Uint8Array(b.length).fill(N_CODE) : shuffled(b, options.seed + r);
    ids.set(basesRow(baseline, layout), r * layout.length);
  });
  return ids;
}

function shuffled(bases: Uint8Array, seed: number): Uint8Array {
  return Uint8Array.from(new Rng(seed).shuffle(Array.from(bases)));
}
