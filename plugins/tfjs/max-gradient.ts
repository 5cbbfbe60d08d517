import * as tf from '@tensorflow/tfjs';

/**
 * The gradient of Max (the CNN's global max pool) as one pass: dy goes to every input
 * equal to its maximum, as tfjs's own gradient does, but without that gradient's
 * broadcasting Equal, which on wasm costs more than the convolution's two gradients.
 * The kernel runs on wasm and cpu when the reduced axes are contiguous; other backends
 * and axes keep tfjs's formula.
 */
const MaxGradient = 'GenoflowMaxGradient';

type Backend = tf.KernelBackend & {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  makeOutput?(
    shape: number[],
    dtype: tf.DataType,
    offset?: number,
    values?: tf.backend_util.TypedArray,
  ): tf.TensorInfo;
};

/** x [outer, reduced, inner], y and dy [outer, inner] in any shape: dx where x equals y. */
function maxGradientKernel({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as Backend;
  const { x, y, dy } = inputs as { x: tf.TensorInfo; y: tf.TensorInfo; dy: tf.TensorInfo };
  const { axes } = attrs as { axes: number[] };
  const xs = b.readSync(x.dataId) as Float32Array;
  const ys = b.readSync(y.dataId) as Float32Array;
  const dys = b.readSync(dy.dataId) as Float32Array;
  const size = (dims: number[]) => dims.reduce((a, d) => a * d, 1);
  const reduced = size(axes.map((a) => x.shape[a]!));
  const inner = size(x.shape.slice(axes.at(-1)! + 1));
  const outer = xs.length / (reduced * inner);
  const dx = new Float32Array(xs.length);
  for (let o = 0, at = 0; o < outer; o++) {
    const base = o * inner;
    for (let r = 0; r < reduced; r++) {
      for (let i = 0; i < inner; i++, at++) if (xs[at] === ys[base + i]) dx[at] = dys[base + i]!;
    }
  }
  if (b.makeTensorInfo) return b.makeTensorInfo([...x.shape], 'float32', dx);
  return b.makeOutput!([...x.shape], 'float32', undefined, dx);
}

function contiguous(axes: number[]): boolean {
  return axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
}

function maxGradient(dy: tf.Tensor, x: tf.Tensor, y: tf.Tensor, axes: number[]): tf.Tensor {
  if (x.dtype === 'float32' && contiguous(axes) && tf.getKernel(MaxGradient, tf.getBackend())) {
    return tf.engine().runKernel(MaxGradient, { x, y, dy }, { axes } as never) as tf.Tensor;
  }
  const kept = (t: tf.Tensor) =>
    t.rank < x.rank ? tf.reshape(t, tf.backend_util.expandShapeToKeepDim(t.shape, axes)) : t;
  return tf.mul(kept(dy), tf.cast(tf.equal(x, kept(y)), dy.dtype));
}

let gradientRegistered = false;

/** Registers the kernel for `backendName` (wasm or cpu) and, once, the gradient using it. */
export function registerMaxGradient(backendName: string): void {
  if (!tf.getKernel(MaxGradient, backendName))
    tf.registerKernel({ kernelName: MaxGradient, backendName, kernelFunc: maxGradientKernel });
  if (gradientRegistered) return;
  tf.registerGradient({
    kernelName: tf.Max,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved as [tf.Tensor, tf.Tensor];
      const axes = tf.util.parseAxisParam((attrs as unknown as tf.MaxAttrs).reductionIndices, x.shape);
      return {
        x: () =>
          maxGradient(
            dy as tf.Tensor,
            x,
            y,
            axes.sort((a, b) => a - b),
          ),
      };
    },
  });
  gradientRegistered = true;
}
