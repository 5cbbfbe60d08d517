import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';

/** Central finite differences of a scalar function of `x`, one coordinate at a time. */
function numericalGradient(
  f: (x: tf.Tensor) => tf.Scalar,
  x: Float32Array,
  shape: number[],
  eps = 1e-2,
): Float32Array {
  const grad = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const at = (d: number) =>
      tf.tidy(() => {
        const moved = x.slice();
        moved[i]! += d;
        return f(tf.tensor(moved, shape)).dataSync()[0]!;
      });
    grad[i] = (at(eps) - at(-eps)) / (2 * eps);
  }
  return grad;
}

function randomArray(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(2e-3);
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fast gradient kernels on ${backend}`, () => {
    it('UnsortedSegmentSum: the Embedding (gather) gradient equals finite differences', async () => {
      expect(await useBackend(backend)).toBe(backend);
      expect(tf.getKernel('UnsortedSegmentSum', backend)).toBeDefined();
      const rng = new Rng(7);
      const shape = [6, 3];
      const table = randomArray(18, rng);
      const ids = tf.tensor2d([0, 2, 2, 5, 1, 2, 0, 5], [2, 4], 'int32'); // repeated ids sum up
      const weights = tf.tensor(randomArray(2 * 4 * 3, rng), [2, 4, 3]);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weights)) as tf.Scalar;
      const analytic = tf.grad(f)(tf.tensor(table, shape)).dataSync() as Float32Array;
      expectClose(analytic, numericalGradient(f, table, shape));
      expect(analytic.slice(9, 12)).toEqual(new Float32Array(3)); // id 3 is never gathered
    });

    it('UnsortedSegmentSum drops out-of-range ids, as TensorFlow does, and sums repeated ones', async () => {
      await useBackend(backend);
      const x = tf.tensor2d([1, 2, 10, 20, 100, 200, 1000, 2000], [4, 2]);
      const sum = (ids: number[]) => tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), 3).dataSync();
      expect(Array.from(sum([2, 0, 2, 1]))).toEqual([10, 20, 1000, 2000, 101, 202]);
      expect(Array.from(sum([2, -1, 3, 2]))).toEqual([0, 0, 0, 0, 1001, 2002]);
    });

    for (const [stride, pad, dilation] of [
      [1, 'same', 1],
      [2, 'valid', 1],
      [3, 'same', 1],
    ] as const) {
      it(`Conv2DBackpropFilter: the Conv1D filter gradient equals finite differences (stride ${stride}, ${pad})`, async () => {
        await useBackend(backend);
        const rng = new Rng(11);
        const x = tf.tensor(randomArray(2 * 9 * 4, rng), [2, 9, 4]);
        const filterShape: [number, number, number] = [3, 4, 5];
        const filter = randomArray(3 * 4 * 5, rng);
        const outLength = tf.conv1d(
          x as tf.Tensor3D,
          tf.zeros(filterShape) as tf.Tensor3D,
          stride,
          pad,
          'NWC',
          dilation,
        ).shape[1]!;
        const weights = tf.tensor(randomArray(2 * outLength * 5, rng), [2, outLength, 5]);
        const f = (w: tf.Tensor) =>
          tf.sum(
            tf.mul(tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, stride, pad, 'NWC', dilation), weights),
          ) as tf.Scalar;
        const analytic = tf.grad(f)(tf.tensor(filter, filterShape)).dataSync() as Float32Array;
        expectClose(analytic, numericalGradient(f, filter, filterShape));
      });

      it(`Conv2DBackpropInput: the Conv1D input gradient equals finite differences (stride ${stride}, ${pad})`, async () => {
        await useBackend(backend);
        const rng = new Rng(13);
        const xShape: [number, number, number] = [2, 9, 4];
        const x = randomArray(2 * 9 * 4, rng);
        const filter = tf.tensor(randomArray(3 * 4 * 5, rng), [3, 4, 5]) as tf.Tensor3D;
        const outLength = tf.conv1d(tf.zeros(xShape) as tf.Tensor3D, filter, stride, pad).shape[1]!;
        const weights = tf.tensor(randomArray(2 * outLength * 5, rng), [2, outLength, 5]);
        const f = (t: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv1d(t as tf.Tensor3D, filter, stride, pad), weights)) as tf.Scalar;
        const analytic = tf.grad(f)(tf.tensor(x, xShape)).dataSync() as Float32Array;
        expectClose(analytic, numericalGradient(f, x, xShape));
      });
    }

    for (const [transposeA, transposeB] of [
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`BatchMatMul with transposeA ${transposeA}, transposeB ${transposeB} equals the written-out product`, async () => {
        await useBackend(backend);
        const rng = new Rng(19);
        const [m, k, n] = [3, 4, 5];
        const a = randomArray(2 * m * k, rng);
        const b = randomArray(2 * k * n, rng);
        const at = (i: number, r: number, c: number) => a[i * m * k + (transposeA ? c * m + r : r * k + c)]!;
        const bt = (i: number, r: number, c: number) => b[i * k * n + (transposeB ? c * k + r : r * n + c)]!;
        const expected = new Float32Array(2 * m * n);
        for (let i = 0; i < 2; i++)
          for (let r = 0; r < m; r++)
            for (let c = 0; c < n; c++)
              for (let j = 0; j < k; j++) expected[(i * m + r) * n + c]! += at(i, r, j) * bt(i, j, c);
        const product = tf.matMul(
          tf.tensor(a, transposeA ? [2, k, m] : [2, m, k]),
          tf.tensor(b, transposeB ? [2, n, k] : [2, k, n]),
          transposeA,
          transposeB,
        );
        expect(product.shape).toEqual([2, m, n]);
        expectClose(product.dataSync() as Float32Array, expected);
      });
    }

    it('GatherV2: rows by id like the indexing it replaces; out-of-range ids throw', async () => {
      await useBackend(backend);
      const table = tf.tensor2d([0, 1, 10, 11, 20, 21], [3, 2]);
      const rows = tf.gather(table, tf.tensor2d([2, 0, 2, 1], [2, 2], 'int32'));
      expect(rows.shape).toEqual([2, 2, 2]);
      expect(Array.from(rows.dataSync())).toEqual([20, 21, 0, 1, 20, 21, 10, 11]);
      expect(Array.from(tf.gather(table, tf.tensor1d([1], 'int32'), 1).dataSync())).toEqual([1, 11, 21]);
      expect(() => tf.gather(table, tf.tensor1d([3], 'int32'))).toThrow(/index value 3/);
    });

    for (const [axes, keepDims] of [
      [[1], false],
      [[1, 2], true],
      [[0], false],
    ] as const) {
      it(`Max gradient over axes ${axes}${keepDims ? ' (keepDims)' : ''} equals finite differences`, async () => {
        await useBackend(backend);
        const rng = new Rng(17);
        const shape = [2, 5, 3];
        const x = randomArray(30, rng); // continuous values: no ties
        const outShape = tf.max(tf.zeros(shape), [...axes], keepDims).shape;
        const weights = tf.tensor(
          randomArray(
            outShape.reduce((a, d) => a * d, 1),
            rng,
          ),
          outShape,
        );
        const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.max(t, [...axes], keepDims), weights)) as tf.Scalar;
        const analytic = tf.grad(f)(tf.tensor(x, shape)).dataSync() as Float32Array;
        expectClose(analytic, numericalGradient(f, x, shape, 1e-3));
      });
    }

    it('Max gradient sends dy to every tied maximum, as tfjs does', async () => {
      await useBackend(backend);
      expect(tf.getKernel('GenoflowMaxGradient', backend)).toBeDefined();
      const x = tf.tensor3d([1, 0, 3, 0, 3, -1, 2, 2, 0, 2, 1, 0], [2, 3, 2]);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.max(t, 1), tf.tensor2d([1, 2, 3, 4], [2, 2]))))(
        x,
      );
      expect(Array.from(dx.dataSync())).toEqual([0, 2, 1, 2, 1, 0, 3, 4, 0, 4, 0, 0]);
    });
  });
}
