import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';
import { foldEmbeddingConv, foldedApply } from './embedding-conv.js';
import { embeddingConvModel } from './fixtures.js';
import { createPredictor } from './inference.js';
import { predictInWorkers } from './pooled-inference.js';

const vocab = 23;
const length = 11;

const cnn = (kernelSize: number, padding: 'same' | 'valid', activation: 'relu' | 'linear') =>
  embeddingConvModel(kernelSize, padding, activation, true, vocab, length);

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`inference on ${backend}`, () => {
    for (const [kernelSize, padding, activation] of [
      [5, 'same', 'relu'],
      [4, 'same', 'relu'],
      [3, 'valid', 'linear'],
    ] as const) {
      it(`a CNN's folded Embedding → Conv1D predicts what its layers do (kernel ${kernelSize}, ${padding}, ${activation})`, async () => {
        await useBackend(backend);
        const model = cnn(kernelSize, padding, activation);
        const rng = new Rng(9);
        const rows = 37;
        const ids = Int32Array.from({ length: rows * length }, () => rng.below(vocab));
        expect(foldEmbeddingConv(model)).not.toBeNull();
        const layers = createPredictor(model, length, 8, 0); // too few rows to fold
        const folded = createPredictor(model, length, 8);
        const expected = layers.predict(ids, rows);
        const actual = folded.predict(ids, rows);
        folded.dispose();
        expect(actual.length).toBe(rows * 3);
        let worst = 0;
        for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
        expect(worst).toBeLessThan(1e-5);
        model.dispose();
      });
    }

    it('gradients through the folded tables equal those through the layers (training)', async () => {
      await useBackend(backend);
      const model = cnn(5, 'same', 'relu');
      const fold = foldEmbeddingConv(model)!;
      const rng = new Rng(4);
      const rows = 6;
      const ids = Int32Array.from({ length: rows * length }, () => rng.below(vocab));
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const gradients = (forward: () => tf.Tensor) => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(forward())) as tf.Scalar, variables);
        value.dispose();
        return variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
      };
      const expected = gradients(
        () => model.apply(tf.tensor2d(ids, [rows, length], 'int32'), { training: true }) as tf.Tensor,
      );
      const actual = gradients(() => foldedApply(fold, fold.tables(), ids, rows, length, true));
      expect(actual).toHaveLength(5); // embeddings, conv kernel and bias, dense kernel and bias
      for (const [i, g] of actual.entries()) {
        let worst = 0;
        for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j]! - expected[i]![j]!));
        expect(worst).toBeLessThan(1e-5);
      }
      model.dispose();
    });

    it('the folded table refuses out-of-range ids like the Embedding does', async () => {
      await useBackend(backend);
      const model = cnn(3, 'same', 'relu');
      const folded = createPredictor(model, length, 8);
      const ids = new Int32Array(length).fill(1);
      ids[4] = vocab;
      expect(() => folded.predict(ids, 1)).toThrow(/not in \[0, 22\]/);
      folded.dispose();
      model.dispose();
    });

    it('models whose first layers are not Embedding → Conv1D are not folded', async () => {
      await useBackend(backend);
      const model = tf.sequential();
      model.add(tf.layers.embedding({ inputShape: [length], inputDim: vocab, outputDim: 4 }));
      model.add(tf.layers.conv1d({ filters: 2, kernelSize: 3, strides: 2 }));
      expect(foldEmbeddingConv(model)).toBeNull();
      model.dispose();
    });
  });
}

describe('inference across worker threads', () => {
  it('predictInWorkers gives the probabilities of this thread, in order', async () => {
    const backend = await useBackend('wasm');
    const model = cnn(5, 'same', 'relu');
    const rng = new Rng(21);
    const rows = 700; // over the inline limit: several tasks per thread
    const ids = Int32Array.from({ length: rows * length }, () => rng.below(vocab));
    const inThisThread = createPredictor(model, length, 16);
    const expected = inThisThread.predict(ids, rows);
    inThisThread.dispose();
    const pooled = await predictInWorkers([model], ids, rows, length, 16, { backend, threads: 2 });
    expect(pooled).toEqual(expected);
    model.dispose();
  });
});
