import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';
import { foldEmbeddingConv, foldedTrainingApply } from './embedding-conv.js';
import { embeddingConvModel as cnn } from './fixtures.js';

function worstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`training through the fold on ${backend}`, () => {
    // Each route: 6 rows of 11 of 7 ids have fewer positions than the vocabulary has ids,
    // and their max-pooled gradient is too dense to go sparse: the layers' convolution with
    // folded gradients; 40 rows have many more positions: whole-vocabulary tables; 2 rows
    // of 60 of 300 ids: the layers' convolution with sparse gradients.
    for (const [kernelSize, padding, activation, useBias, rows, length, vocab, ids] of [
      [5, 'same', 'relu', true, 6, 11, 23, 7],
      [4, 'same', 'relu', true, 6, 11, 23, 7],
      [3, 'valid', 'linear', false, 6, 11, 23, 7],
      [5, 'same', 'relu', true, 40, 11, 23, 7],
      [4, 'same', 'linear', false, 40, 11, 23, 7],
      [5, 'same', 'relu', true, 2, 60, 300, 300],
      [4, 'same', 'relu', true, 2, 60, 300, 300],
      [3, 'valid', 'linear', false, 2, 60, 300, 300],
    ] as const) {
      it(`outputs and gradients equal the layers' (kernel ${kernelSize}, ${padding}, ${activation}, bias ${useBias}, ${rows} rows of ${length} of ${ids} ids)`, async () => {
        await useBackend(backend);
        const model = cnn(kernelSize, padding, activation, useBias, vocab, length);
        const fold = foldEmbeddingConv(model)!;
        const rng = new Rng(4);
        // With 7 ids (spread over the vocabulary) ids repeat within and across rows and at the edges.
        const step = Math.floor(vocab / ids);
        const tokens = Int32Array.from({ length: rows * length }, () => rng.below(ids) * step);
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
          () => model.apply(tf.tensor2d(tokens, [rows, length], 'int32'), { training: true }) as tf.Tensor,
        );
        const actual = run(() => foldedTrainingApply(fold, tokens, rows, length));
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
      const ids = new Int32Array(11).fill(1);
      ids[4] = 23;
      expect(() => foldedTrainingApply(foldEmbeddingConv(model)!, ids, 1, 11)).toThrow(/not in \[0, 22\]/);
      model.dispose();
    });
  });
}
