import * as tf from '@tensorflow/tfjs';
import { nonzeroIndices, sparseConvGradients } from './sparse-conv-gradient.js';

/**
 * A model that starts Embedding → Conv1D (stride 1, no dilation) run with the two layers
 * folded into tables: both are linear, so the convolution of the embedded ids is, at every
 * position, the sum over filter taps of a row of table[tap][id] = embedding[id] · kernel[tap].
 * The tables (taps × vocabulary × filters) cost what convolving vocabulary/length rows
 * does; after that a row costs taps × filters additions instead of taps × embedding ×
 * filters multiply-adds. Written in tfjs ops, so it trains too: gradients reach the
 * embedding and the kernel through the tables. Equal to the layers' own output up to
 * float summation order.
 */
export interface FoldedModel {
  /** Layers after the folded two: they run as usual on the fold's output. */
  rest: tf.layers.Layer[];
  /** The tables of the current weights (differentiable; the caller disposes them). */
  tables(): tf.Tensor[];
  /** The Conv1D's output (after its activation) for `rows` rows of `length` ids. */
  convolve(tables: tf.Tensor[], ids: Int32Array, rows: number, length: number): tf.Tensor3D;
  /**
   * The same output for training, where the weights change every batch so that tables
   * rarely repay: the layers' own convolution forward; its gradients by a loop over the
   * nonzeros of the output's gradient when that is mostly zeros (sparse-conv-gradient.ts:
   * a global max pool passes one position per row and filter), else through the fold of
   * only the batch's distinct ids (foldedGradients: two products of distinct ids × taps ×
   * embedding × filters where the convolution's gradients cost two of positions × the
   * same). Whole-vocabulary tables when they cost fewer products, in very large batches.
   */
  convolveTraining(ids: Int32Array, rows: number, length: number): tf.Tensor3D;
}

/** `model` folded, or null when its first layers are not an Embedding → Conv1D it can fold. */
export function foldEmbeddingConv(model: tf.LayersModel): FoldedModel | null {
  const [embedding, conv, ...rest] = model.layers;
  if (embedding?.getClassName() !== 'Embedding' || conv?.getClassName() !== 'Conv1D') return null;
  const e = embedding.getConfig() as { maskZero?: boolean };
  const c = conv.getConfig() as {
    strides: number | number[];
    dilationRate: number | number[];
    padding: string;
    activation: string;
    useBias: boolean;
  };
  const one = (v: number | number[]) => (Array.isArray(v) ? v.every((x) => x === 1) : v === 1);
  if (e.maskZero || !one(c.strides) || !one(c.dilationRate)) return null;
  if (c.activation !== 'relu' && c.activation !== 'linear') return null;
  if (c.padding !== 'same' && c.padding !== 'valid') return null;
  const [taps, dim, filters] = conv.getWeights()[0]!.shape as [number, number, number];
  const vocab = embedding.getWeights()[0]!.shape[0]!;
  const left = c.padding === 'same' ? Math.floor((taps - 1) / 2) : 0;
  const outLengthOf = (length: number) => (c.padding === 'same' ? length : length - taps + 1);
  const checkIds = (ids: Int32Array) => {
    for (const id of ids)
      if (!(id >= 0 && id < vocab)) throw new Error(`token id ${id} is not in [0, ${vocab - 1}]`);
  };
  const activate = (sum: tf.Tensor) => (c.activation === 'relu' ? tf.relu(sum) : sum);
  return {
    rest,
    // tables[t][v] = embeddings[v] · kernel[t]; row `vocab` is zero (a zero embedding), for
    // padding. The bias goes into the table of tap `left`, which no position reads as padding.
    tables: () =>
      tf.tidy(() => {
        const [embeddings] = embedding.getWeights();
        const [kernel, bias] = conv.getWeights();
        const padded = tf.concat([embeddings!, tf.zeros([1, dim])]);
        return tf.unstack(kernel!).map((tap, t) => {
          const table = tf.matMul(padded, tap);
          return c.useBias && t === left ? tf.add(table, bias!) : table;
        });
      }),
    convolve(tables, ids, rows, length) {
      checkIds(ids.subarray(0, rows * length));
      const outLength = outLengthOf(length);
      return tf.tidy(() => {
        const rowsOfTap = tables.map((table, t) => {
          const at = new Int32Array(rows * outLength);
          for (let r = 0, k = 0; r < rows; r++) {
            for (let i = 0; i < outLength; i++, k++) {
              const j = i + t - left;
              at[k] = j >= 0 && j < length ? ids[r * length + j]! : vocab;
            }
          }
          return tf.gather(table, at);
        });
        return tf.reshape(activate(tf.addN(rowsOfTap)), [rows, outLength, filters]) as tf.Tensor3D;
      });
    },
    convolveTraining(ids, rows, length) {
      const used = ids.subarray(0, rows * length);
      checkIds(used);
      const distinct = distinctIds(used, vocab);
      // Products (in units of taps × embedding × filters): tables three of the vocabulary,
      // this one of positions and two of distinct ids. The tables' count weighs 4/3, as
      // their narrow products run slower (measured at 4,101 ids, 9 taps, 64 → 128).
      if (4 * vocab < used.length + 2 * distinct.ids.length)
        return this.convolve(this.tables(), used, rows, length);
      const gradients = foldedGradients(used, rows, length, distinct, {
        taps,
        left,
        outLength: outLengthOf(length),
      });
      const [embeddings] = embedding.getWeights();
      const [kernel, bias] = conv.getWeights();
      const convolve = tf.customGrad((e, k) => {
        const x = tf.gather(e as tf.Tensor, tf.tensor2d(used, [rows, length], 'int32')) as tf.Tensor3D;
        const value = tf.conv1d(x, k as tf.Tensor3D, 1, c.padding as 'same');
        const gradFunc = (dy: tf.Tensor) => {
          const values = dy.dataSync() as Float32Array;
          // A multiply-add of the sparse route costs about 20 of XNNPACK's (2.3 ns against
          // 0.1, measured), so it pays while nonzeros × 20 < distinct ids × filters.
          const nonzero = nonzeroIndices(values, Math.ceil((distinct.ids.length * filters) / 20) - 1);
          if (!nonzero) return gradients(dy as tf.Tensor3D, e as tf.Tensor2D, k as tf.Tensor3D);
          const shape = { length, outLength: outLengthOf(length), taps, left, vocab, dim, filters };
          const embeddingValues = (e as tf.Tensor).dataSync() as Float32Array;
          const kernelValues = (k as tf.Tensor).dataSync() as Float32Array;
          const sparse = sparseConvGradients(values, nonzero, used, embeddingValues, kernelValues, shape);
          return [
            tf.tensor2d(sparse.dEmbeddings, [vocab, dim]),
            tf.tensor3d(sparse.dKernel, [taps, dim, filters]),
          ];
        };
        return { value, gradFunc };
      });
      const sum = convolve(embeddings!, kernel!);
      return activate(c.useBias ? tf.add(sum, bias!) : sum) as tf.Tensor3D;
    },
  };
}

/** The distinct ids of `ids` in order of first occurrence, and each id's slot among them (-1: absent). */
function distinctIds(ids: Int32Array, vocab: number): { ids: Int32Array; slots: Int32Array } {
  const slots = new Int32Array(vocab).fill(-1);
  const distinct: number[] = [];
  for (const id of ids) if (slots[id] === -1) slots[id] = distinct.push(id) - 1;
  return { ids: Int32Array.from(distinct), slots };
}

/**
 * The gradients of conv1d(embeddings[ids], kernel) from dy (rows × outLength × filters)
 * through the fold: every (output position, tap) reads one id, so s[slot, tap] = the sum
 * of dy over the positions whose tap reads that slot's id; then, with e the distinct ids'
 * embeddings, dEmbeddings[id] = Σ_tap s[slot, tap] · kernel[tap]ᵀ and dKernel[tap] =
 * eᵀ · s[·, tap], two products over distinct ids instead of positions.
 */
function foldedGradients(
  ids: Int32Array,
  rows: number,
  length: number,
  distinct: { ids: Int32Array; slots: Int32Array },
  shape: { taps: number; left: number; outLength: number },
): (dy: tf.Tensor3D, embeddings: tf.Tensor2D, kernel: tf.Tensor3D) => tf.Tensor[] {
  const { taps, left, outLength } = shape;
  const { slots } = distinct;
  const used = distinct.ids.length;
  // The row of s that (tap, output position) adds to; taps reading padding go to a last,
  // discarded slot.
  const positions = rows * outLength;
  const segments = new Int32Array(taps * positions);
  for (let t = 0, k = 0; t < taps; t++) {
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < outLength; i++, k++) {
        const j = i + t - left;
        segments[k] = (j >= 0 && j < length ? slots[ids[r * length + j]!]! : used) * taps + t;
      }
    }
  }
  return (dy, embeddings, kernel) => {
    const [, dim, filters] = kernel.shape;
    const dyRows = tf.reshape(dy, [positions, filters]);
    const sums = tf.unsortedSegmentSum(
      tf.concat(Array.from({ length: taps }, () => dyRows)),
      tf.tensor1d(segments, 'int32'),
      (used + 1) * taps,
    );
    const s = tf.reshape(tf.slice(sums, 0, used * taps), [used, taps * filters]);
    const kernelRows = tf.reshape(tf.transpose(kernel, [1, 0, 2]), [dim, taps * filters]);
    const slotIds = tf.tensor1d(distinct.ids, 'int32');
    const dEmbeddings = tf.unsortedSegmentSum(tf.matMul(s, kernelRows, false, true), slotIds, slots.length);
    const dKernel = tf.matMul(tf.gather(embeddings, slotIds), s, true, false);
    return [dEmbeddings, tf.transpose(tf.reshape(dKernel, [dim, taps, filters]), [1, 0, 2])];
  };
}

/** The model's output for `rows` rows of ids through the fold and then the other layers. */
export function foldedApply(
  fold: FoldedModel,
  tables: tf.Tensor[],
  ids: Int32Array,
  rows: number,
  length: number,
  training: boolean,
): tf.Tensor {
  let x: tf.Tensor = fold.convolve(tables, ids, rows, length);
  for (const layer of fold.rest) x = layer.apply(x, { training }) as tf.Tensor;
  return x;
}

/** The same in training (see convolveTraining). */
export function foldedTrainingApply(
  fold: FoldedModel,
  ids: Int32Array,
  rows: number,
  length: number,
): tf.Tensor {
  let x: tf.Tensor = fold.convolveTraining(ids, rows, length);
  for (const layer of fold.rest) x = layer.apply(x, { training: true }) as tf.Tensor;
  return x;
}
