import * as tf from '@tensorflow/tfjs';
import { registerMaxGradient } from './max-gradient.js';

/**
 * Gradient kernels that the wasm backend lacks (so Embedding and Conv1D cannot train on it)
 * and that the pure-JS backend runs far too slowly for a vocabulary of thousands of
 * k-mers; and wasm's own Conv2DBackpropInput is a naive loop ten times slower than the
 * forward convolution. Registered on both as typed-array loops, the heavy product on the
 * backend's own BatchMatMul kernel (XNNPACK on wasm).
 */

type KernelParams = Parameters<tf.KernelFunc>[0];

type Backend = tf.KernelBackend & {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeOutput?(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.TypedArray,
  ): tf.TensorInfo;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  typedArrayFromHeap?(info: tf.TensorInfo): tf.backend_util.TypedArray;
};

function makeOutput(
  backend: Backend,
  shape: number[],
  dtype: tf.DataType,
  values: tf.backend_util.TypedArray,
): tf.TensorInfo {
  // cpu's makeOutput has another signature (values first) and returns a Tensor: prefer makeTensorInfo.
  if (backend.makeTensorInfo) return backend.makeTensorInfo(shape, dtype, values);
  if (backend.makeOutput) return backend.makeOutput(shape, dtype, undefined, values);
  throw new Error('tfjs backend can make no tensors from kernel code');
}

/** The values of `info`: on wasm a view of its heap, valid until the next allocation there. */
function view(backend: Backend, info: tf.TensorInfo): tf.backend_util.BackendValues {
  return backend.typedArrayFromHeap ? backend.typedArrayFromHeap(info) : backend.readSync(info.dataId);
}

function readFloats(backend: Backend, info: tf.TensorInfo): Float32Array {
  const values = backend.readSync(info.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/**
 * Sums the rows of `x` into `numSegments` rows by `segmentIds` (the gradient of a gather),
 * in float32 like TensorFlow: on wasm by its compiled ScatterNd kernel (which accumulates
 * repeated indices, three times faster than a loop here) when every id is in range, else
 * straight into the output's heap memory.
 */
export function unsortedSegmentSum({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const b = backend as Backend;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = rowShape.reduce((a, d) => a * d, 1);
  const shape = [numSegments, ...rowShape];
  const inHeap = x.dtype === 'float32' && b.typedArrayFromHeap && b.makeOutput;
  const ids = view(b, segmentIds) as Int32Array;
  const scatter = inHeap ? tf.getKernel(tf.ScatterNd, tf.getBackend()) : undefined;
  if (scatter && ids.every((id) => id >= 0 && id < numSegments)) {
    // Same data, seen as ScatterNd's [n, 1] indices and [n, ...row] updates.
    const indices = { ...segmentIds, shape: [ids.length, 1] };
    const updates = { ...x, shape: [ids.length, ...rowShape] };
    return scatter.kernelFunc({ inputs: { indices, updates }, attrs: { shape }, backend }) as tf.TensorInfo;
  }
  const out = inHeap ? b.makeOutput!(shape, 'float32') : null;
  const values = out ? (view(b, x) as Float32Array) : readFloats(b, x);
  const heapIds = view(b, segmentIds) as Int32Array; // after the allocation, which may move the heap
  const sums = out
    ? (b.typedArrayFromHeap!(out) as Float32Array).fill(0)
    : new Float32Array(numSegments * rowSize);
  for (let i = 0; i < heapIds.length; i++) {
    const id = heapIds[i]!;
    if (id < 0 || id >= numSegments) continue; // TensorFlow drops out-of-range ids too
    const to = id * rowSize;
    const from = i * rowSize;
    for (let j = 0; j < rowSize; j++) sums[to + j]! += values[from + j]!;
  }
  return out ?? makeOutput(b, shape, x.dtype, sums);
}

/**
 * BatchMatMul with a transposed operand, which wasm computes with a naive loop (ten times
 * slower than XNNPACK): the operand is transposed by the backend's Transpose kernel first.
 */
function matMulTransposingFirst(fallback: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { inputs, backend, attrs } = params;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return fallback(params);
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transpose = tf.getKernel(tf.Transpose, tf.getBackend())!;
    const transposed = (x: tf.TensorInfo) => {
      const perm = x.shape.map((_, i) => i);
      perm.splice(-2, 2, x.shape.length - 1, x.shape.length - 2);
      return transpose.kernelFunc({ inputs: { x }, attrs: { perm }, backend }) as tf.TensorInfo;
    };
    const aT = transposeA ? transposed(a) : a;
    const bT = transposeB ? transposed(b) : b;
    try {
      return fallback({ inputs: { a: aT, b: bT }, attrs: { transposeA: false, transposeB: false }, backend });
    } finally {
      if (transposeA) (backend as Backend).disposeData(aT.dataId);
      if (transposeB) (backend as Backend).disposeData(bT.dataId);
    }
  };
}

/**
 * For each output position and filter tap of a 2-D convolution (NHWC), the offset of the
 * input pixel it reads, or -1 where it falls in the padding: the im2col index.
 */
function patchOffsets(info: tf.backend_util.Conv2DInfo): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const taps = filterHeight * filterWidth;
  const offsets = new Int32Array(batchSize * outHeight * outWidth * taps);
  let at = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        for (let fh = 0; fh < filterHeight; fh++) {
          const xR = yR * strideHeight - info.padInfo.top + fh * dilationHeight;
          for (let fw = 0; fw < filterWidth; fw++) {
            const xC = yC * strideWidth - info.padInfo.left + fw * dilationWidth;
            const inside = xR >= 0 && xR < inHeight && xC >= 0 && xC < inWidth;
            offsets[at++] = inside ? ((n * inHeight + xR) * inWidth + xC) * inChannels : -1;
          }
        }
      }
    }
  }
  return offsets;
}

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: { strides: number | [number, number]; pad: unknown; dataFormat: string; dimRoundingMode?: string },
  kernel: string,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat !== 'NHWC')
    throw new Error(`${kernel}: data format ${attrs.dataFormat} is not supported, expected NHWC`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'round' | undefined,
    false,
    'channelsLast',
  );
}

/** a · b on the backend's own BatchMatMul kernel (XNNPACK on wasm), for rank-3 operands. */
function matMul(b: Backend, a: tf.TensorInfo, c: tf.TensorInfo): Float32Array {
  const kernel = tf.getKernel('BatchMatMul', tf.getBackend());
  if (!kernel) throw new Error(`backend ${tf.getBackend()} has no BatchMatMul kernel`);
  const product = kernel.kernelFunc({
    inputs: { a, b: c },
    attrs: { transposeA: false, transposeB: false },
    backend: b,
  }) as tf.TensorInfo;
  const values = readFloats(b, product);
  for (const t of [a, c, product]) b.disposeData(t.dataId);
  return values;
}

/**
 * dL/dFilter of a 2-D convolution (NHWC): the transposed im2col of the input times dy on
 * the backend's matrix product (transposed in JS because XNNPACK has no transposed operand).
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const b = backend as Backend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = convInfo(x.shape, filterShape, attrs as never, 'Conv2DBackpropFilter');
  const { inChannels, outChannels } = info;
  const taps = info.filterHeight * info.filterWidth;
  const offsets = patchOffsets(info);
  const xs = readFloats(b, x);
  const rows = offsets.length / taps;
  const colT = new Float32Array(taps * inChannels * rows); // [patch, rows]; padding stays zero
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < taps; t++) {
      const from = offsets[r * taps + t]!;
      if (from < 0) continue;
      for (let c = 0, to = t * inChannels * rows + r; c < inChannels; c++, to += rows)
        colT[to] = xs[from + c]!;
    }
  }
  const a = makeOutput(b, [1, taps * inChannels, rows], 'float32', colT);
  const g = makeOutput(b, [1, rows, outChannels], 'float32', readFloats(b, dy));
  return makeOutput(b, filterShape as number[], 'float32', matMul(b, a, g));
}

/**
 * dL/dInput of a 2-D convolution (NHWC): dy times the transposed filter on the backend's
 * matrix product, then scattered back through the im2col index (col2im).
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const b = backend as Backend;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = convInfo(inputShape, filter.shape, attrs as never, 'Conv2DBackpropInput');
  const { inChannels, outChannels } = info;
  const taps = info.filterHeight * info.filterWidth;
  const patch = taps * inChannels;
  const w = readFloats(b, filter); // [patch, outChannels]
  const wT = new Float32Array(patch * outChannels);
  for (let p = 0; p < patch; p++)
    for (let o = 0; o < outChannels; o++) wT[o * patch + p] = w[p * outChannels + o]!;
  const offsets = patchOffsets(info);
  const rows = offsets.length / taps;
  const g = makeOutput(b, [1, rows, outChannels], 'float32', readFloats(b, dy));
  const dcol = matMul(b, g, makeOutput(b, [1, outChannels, patch], 'float32', wT)); // [rows, patch]
  const dx = new Float32Array(inputShape.reduce((n, d) => n * d, 1));
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < taps; t++) {
      const to = offsets[r * taps + t]!;
      if (to < 0) continue;
      const from = r * patch + t * inChannels;
      for (let c = 0; c < inChannels; c++) dx[to + c]! += dcol[from + c]!;
    }
  }
  return makeOutput(b, [...inputShape], 'float32', dx);
}

/**
 * Rows of a table by index (the Embedding lookup): GatherV2 on axis 0 as row copies; the
 * backends' own kernels compute an n-dimensional index per element, ten times slower.
 * Other axes and batch dims go to the backend's kernel, `fallback`.
 */
function gatherRows(fallback: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const { inputs, backend, attrs } = params;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
    if (parsedAxis !== 0 || batchDims !== 0 || x.dtype !== 'float32') return fallback(params);
    const b = backend as Backend;
    const rowSize = x.shape.slice(1).reduce((a, d) => a * d, 1);
    const shape = [...indices.shape, ...x.shape.slice(1)];
    // On wasm the rows go straight into the output's heap memory, allocated before the views.
    const inHeap = b.typedArrayFromHeap && b.makeOutput ? b.makeOutput(shape, 'float32') : null;
    const table = view(b, x) as Float32Array;
    const ids = view(b, indices) as Int32Array;
    const out = inHeap ? b.typedArrayFromHeap!(inHeap) : new Float32Array(ids.length * rowSize);
    // Within one heap a row is a copyWithin (no subarray object per row).
    const heap = new Float32Array(out.buffer);
    const [tableAt, outAt] = [table.byteOffset / 4, out.byteOffset / 4];
    const copyRow = inHeap
      ? (from: number, to: number) => heap.copyWithin(outAt + to, tableAt + from, tableAt + from + rowSize)
      : (from: number, to: number) => {
          for (let j = 0; j < rowSize; j++) out[to + j] = table[from + j]!;
        };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < x.shape[0]!)) {
        if (inHeap) b.disposeData(inHeap.dataId);
        throw new Error(`GatherV2: the index value ${id} is not in [0, ${x.shape[0]! - 1}]`);
      }
      copyRow(id * rowSize, i * rowSize);
    }
    return inHeap ?? makeOutput(b, shape, 'float32', out);
  };
}

const registered = new Set<string>();

/** Registers the fast kernels for `backendName` (wasm or cpu; native TensorFlow has its own). */
export function registerFastKernels(backendName: string): void {
  if (backendName !== 'wasm' && backendName !== 'cpu') return;
  if (registered.has(backendName)) return;
  const original = (name: string) => {
    const kernel = tf.getKernel(name, backendName);
    if (!kernel) throw new Error(`backend ${backendName} has no ${name} kernel`);
    return kernel.kernelFunc;
  };
  const wasmOnly =
    backendName === 'wasm'
      ? [[tf.BatchMatMul, matMulTransposingFirst(original(tf.BatchMatMul))] as const]
      : [];
  for (const [kernelName, kernelFunc] of [
    ...wasmOnly,
    [tf.GatherV2, gatherRows(original(tf.GatherV2))],
    [tf.UnsortedSegmentSum, unsortedSegmentSum],
    [tf.Conv2DBackpropFilter, conv2DBackpropFilter],
    [tf.Conv2DBackpropInput, conv2DBackpropInput],
  ] as const) {
    if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  registerMaxGradient(backendName);
  registered.add(backendName);
}
