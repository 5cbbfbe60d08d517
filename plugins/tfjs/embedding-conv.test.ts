import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';
import { foldEmbeddingConv, foldedTrainingApply } from './embedding-conv.js';

const vocab = 23;
const length = 11;

function cnn(kernelSize: number, padding: 'same' | 'valid', activation: 'relu' | 'linear', useBias: boolean) {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputShape: [length], inputDim: vocab, outputDim: 6 }));
  model.add(tf.layers.conv1d({ filters: 5, kernelSize, padding, activation, useBias }));
  model.add(tf.layers.globalMaxPooling1d({}));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  // Larger than initial weights, so that a wrong tap or offset changes the output visibly.
  const rng = new Rng(5);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        w.dataSync().map(() => rng.next() * 2 - 1),
        w.shape,
      ),
    ),
  );
  return model;
}

function worstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`training through the fold on ${backend}`, () => {
    // 6 rows have fewer positions than the vocabulary: the layers' convolution with folded
    // gradients; 40 have many more: whole-vocabulary tables.
    for (const [kernelSize, padding, activation, useBias, rows] of [
      [5, 'same', 'relu', true, 6],
      [4, 'same', 'relu', true, 6],
      [3, 'valid', 'linear', false, 6],
      [5, 'same', 'relu', true, 40],
      [4, 'same', 'linear', false, 40],
    ] as const) {
      it(`outputs and gradients equal the layers' (kernel ${kernelSize}, ${padding}, ${activation}, bias ${useBias}, ${rows} rows)`, async () => {
        await useBackend(backend);
        const model = cnn(kernelSize, padding, activation, useBias);
        const fold = foldEmbeddingConv(model)!;
        const rng = new Rng(4);
        // Few distinct ids, so that ids repeat within and across rows and at the edges.
        const ids = Int32Array.from({ length: rows * length }, () => rng.below(7) * 3);
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const run = (forward: () => tf.Tensor) => {
          let output: Float32Array | undefined;
          const { value, grads } = tf.variableGrads(() => {
            const y = forward();
            output = y.dataSync() as Float32Array;
            return tf.sum(tf.mul(y, tf.range(1, y.size + 1).reshape(y.shape))) as tf.Scalar;
          }, variables);
          value.dispose();
          return { output: output!, grads: variables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
        };
        const expected = run(
          () => model.apply(tf.tensor2d(ids, [rows, length], 'int32'), { training: true }) as tf.Tensor,
        );
        const actual = run(() => foldedTrainingApply(fold, ids, rows, length));
        expect(worstDifference(actual.output, expected.output)).toBeLessThan(1e-5);
        expect(actual.grads).toHaveLength(useBias ? 5 : 4);
        for (const [i, g] of actual.grads.entries()) {
          expect(worstDifference(g, expected.grads[i]!)).toBeLessThan(1e-4);
          expect(g.some((x) => x !== 0)).toBe(true);
        }
        model.dispose();
      });
    }

    it('refuses out-of-range ids like the Embedding does', async () => {
      await useBackend(backend);
      const model = cnn(3, 'same', 'relu', true);
      const ids = new Int32Array(length).fill(1);
      ids[4] = vocab;
      expect(() => foldedTrainingApply(foldEmbeddingConv(model)!, ids, 1, length)).toThrow(
        /not in \[0, 22\]/,
      );
      model.dispose();
    });
  });
}
