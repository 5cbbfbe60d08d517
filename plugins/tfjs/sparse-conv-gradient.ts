/**
 * The gradients of conv1d(embeddings[ids], kernel) (stride 1) when dy is mostly zeros, as
 * after a global max pool, which passes one position per row and filter: each nonzero
 * dy[r, i, f] adds, for every tap t reading id = ids[r, i + t - left], dy · embeddings[id]
 * to dKernel[t, ·, f] and dy · kernel[t, ·, f] to dEmbeddings[id]: 2 × taps × embedding
 * multiply-adds per nonzero, where the dense products cost that per position and filter.
 */
export interface ConvShape {
  length: number;
  outLength: number;
  taps: number;
  /** Input positions before the first output position's first tap (the left padding). */
  left: number;
  vocab: number;
  dim: number;
  filters: number;
}

/**
 * dEmbeddings (vocab × dim) and dKernel (taps × dim × filters) from dy (rows × outLength ×
 * filters), given the indices of its nonzeros (nonzeroIndices).
 */
export function sparseConvGradients(
  dy: Float32Array,
  nonzero: Int32Array,
  ids: Int32Array,
  embeddings: Float32Array,
  kernel: Float32Array,
  shape: ConvShape,
): { dEmbeddings: Float32Array; dKernel: Float32Array } {
  const { length, outLength, taps, left, vocab, dim, filters } = shape;
  // Kernel and its gradient as [tap][filter][dim], so that the inner loop runs over
  // contiguous memory in all four arrays.
  const byFilter = new Float32Array(taps * filters * dim);
  for (let t = 0; t < taps; t++)
    for (let c = 0; c < dim; c++)
      for (let f = 0; f < filters; f++)
        byFilter[(t * filters + f) * dim + c] = kernel[(t * dim + c) * filters + f]!;
  const dByFilter = new Float32Array(taps * filters * dim);
  const dEmbeddings = new Float32Array(vocab * dim);
  for (const at of nonzero) {
    const g = dy[at]!;
    const f = at % filters;
    const position = (at - f) / filters;
    const i = position % outLength;
    const row = (position - i) / outLength;
    for (let t = Math.max(0, left - i); t < taps && i + t - left < length; t++) {
      const e = ids[row * length + i + t - left]! * dim;
      const k = (t * filters + f) * dim;
      for (let c = 0; c < dim; c++) {
        dByFilter[k + c]! += g * embeddings[e + c]!;
        dEmbeddings[e + c]! += g * byFilter[k + c]!;
      }
    }
  }
  const dKernel = new Float32Array(taps * dim * filters);
  for (let t = 0; t < taps; t++)
    for (let c = 0; c < dim; c++)
      for (let f = 0; f < filters; f++)
        dKernel[(t * dim + c) * filters + f] = dByFilter[(t * filters + f) * dim + c]!;
  return { dEmbeddings, dKernel };
}

/** The indices of the nonzeros of `values`, or null as soon as there are more than `most`. */
export function nonzeroIndices(values: Float32Array, most: number): Int32Array | null {
  const found = new Int32Array(Math.min(most, values.length));
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) continue;
    if (n === most) return null;
    found[n++] = i;
  }
  return found.subarray(0, n);
}
