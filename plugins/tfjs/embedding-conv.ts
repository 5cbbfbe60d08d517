import * as tf from '@tensorflow/tfjs';

/**
 * Inference through a model that starts Embedding → Conv1D (stride 1, no dilation) with
 * the two layers folded into one table: both are linear, so the convolution of the
 * embedded ids is, at every position, the sum over filter taps of a row of
 * table[id, tap] = embedding[id] · kernel[tap]. Precomputing the table (vocabulary × taps ×
 * filters) costs about what convolving vocabulary/length rows does; after that a row costs
 * taps × filters additions instead of taps × embedding × filters multiply-adds.
 * Equal to the layers' own output up to float summation order.
 */
export interface EmbeddingConvTable {
  /** Layers after the folded two: they run as usual on the table's output. */
  rest: tf.layers.Layer[];
  /** The Conv1D's output (after its activation) for `rows` rows of `length` ids. */
  apply(ids: Int32Array, rows: number, length: number): tf.Tensor3D;
  /** Frees the table. */
  dispose(): void;
}

/** The folded table of `model`, or null when its first layers are not Embedding → Conv1D. */
export function embeddingConvTable(model: tf.LayersModel): EmbeddingConvTable | null {
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
  const [embeddings] = embedding.getWeights();
  const [kernel, bias] = conv.getWeights();
  const vocab = embeddings!.shape[0]!;
  const [taps, , filters] = kernel!.shape as [number, number, number];
  // tables[t][v, o] = Σ_c embeddings[v, c] · kernel[t, c, o]; row `vocab` is zero, for padding.
  const left = c.padding === 'same' ? Math.floor((taps - 1) / 2) : 0;
  // The bias goes into the table of tap `left`, which no output position reads as padding.
  const tables = tf.tidy(() => {
    const flatKernel = tf.reshape(tf.transpose(kernel!, [1, 0, 2]), [kernel!.shape[1]!, taps * filters]);
    const product = tf.reshape(tf.matMul(embeddings!, flatKernel), [vocab, taps, filters]);
    const perTap = tf.unstack(tf.concat([tf.transpose(product, [1, 0, 2]), tf.zeros([taps, 1, filters])], 1));
    if (c.useBias) perTap[left] = tf.add(perTap[left]!, bias!);
    return perTap;
  });
  return {
    rest,
    apply(ids, rows, length) {
      const outLength = c.padding === 'same' ? length : length - taps + 1;
      for (const id of ids.subarray(0, rows * length))
        if (!(id >= 0 && id < vocab)) throw new Error(`token id ${id} is not in [0, ${vocab - 1}]`);
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
        return tf.reshape(c.activation === 'relu' ? tf.relu(sum) : sum, [
          rows,
          outLength,
          filters,
        ]) as tf.Tensor3D;
      });
    },
    dispose() {
      tf.dispose(tables);
    },
  };
}
