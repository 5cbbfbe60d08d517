import * as tf from '@tensorflow/tfjs';

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
      for (const id of ids.subarray(0, rows * length))
        if (!(id >= 0 && id < vocab)) throw new Error(`token id ${id} is not in [0, ${vocab - 1}]`);
      const outLength = c.padding === 'same' ? length : length - taps + 1;
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
        const sum = tf.addN(rowsOfTap);
        const activated = c.activation === 'relu' ? tf.relu(sum) : sum;
        return tf.reshape(activated, [rows, outLength, filters]) as tf.Tensor3D;
      });
    },
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
