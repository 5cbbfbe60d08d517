/**
 * The gradients of conv1d(embeddings[ids], kernel) (stride 1) when dy is mostly zeros, as
 * after a global max pool, which passes one position per row and filter: each nonzero
 * dy[r, i, f] adds, for every tap t reading id = ids[r, i + t - left], dy · embeddings[id]
 * to dKernel[t, ·, f] and dy · kernel[t, ·, f] to dEmbeddings[id]: 2 × taps × embedding
 * multiply-adds per nonzero, where the dense products cost that per position and filter.
 */
export interface ConvShape {
  rows: number;
  length: number;
  outLength: number;
  taps: number;
  /** Input positions before the first output position's first tap (the left padding). */
  left: number;
  vocab: number;
  dim: number;
  filters: number;
}

/** dEmbeddings (vocab × dim) and dKernel (taps × dim × filters) from dy (rows × outLength × filters). */
export function sparseConvGradients(
  dy: Float32Array,
  ids: Int32Array,
  embeddings: Float32Array,
  kernel: Float32Array,
  shape: ConvShape,
): { dEmbeddings: Float32Array; dKernel: Float32Array } {
  const { rows, length, outLength, taps, left, vocab, dim, filters } = shape;
  // Kernel and its gradient as [tap][filter][dim], so that the inner loop runs over
  // contiguous memory in all four arrays.
  const byFilter = new Float32Array(taps * filters * dim);
  for (let t = 0; t < taps; t++)
    for (let c = 0; c < dim; c++)
      for (let f = 0; f < filters; f++)
        byFilter[(t * filters + f) * dim + c] = kernel[(t * dim + c) * filters + f]!;
  const dByFilter = new Float32Array(taps * filters * dim);
  const dEmbeddings = new Float32Array(vocab * dim);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < outLength; i++) {
      const at = (r * outLength + i) * filters;
      for (let f = 0; f < filters; f++) {
        const g = dy[at + f]!;
        if (g === 0) continue;
        for (let t = Math.max(0, left - i); t < taps && i + t - left < length; t++) {
          const e = ids[r * length + i + t - left]! * dim;
          const k = (t * filters + f) * dim;
          for (let c = 0; c < dim; c++) {
            dByFilter[k + c]! += g * embeddings[e + c]!;
            dEmbeddings[e + c]! += g * byFilter[k + c]!;
          }
        }
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

/** How many of `values` are not zero. */
export function nonzeros(values: Float32Array): number {
  let n = 0;
  for (const v of values) if (v !== 0) n++;
  return n;
}
