import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { readBundle, writeBundle } from './bundle.js';
import { motifDataset, silentHooks, toySettings } from './fixtures.js';
import { predictProbabilities } from './inference.js';
import { type TrainSettings, trainModel } from './trainer.js';

const { length, rows, classes, data, shape } = await motifDataset();
const hooks = silentHooks();

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`models on ${backend}`, () => {
    for (const model of ['lstm', 'cnn', 'transformer'] as const) {
      it(`${model}: loss decreases over 6 epochs on a separable toy set`, async () => {
        expect(await useBackend(backend)).toBe(backend);
        const { model: trained, history } = await trainModel(toySettings(model, 6), shape, data, null, hooks);
        trained.dispose();
        expect(history).toHaveLength(6);
        expect(history[5]!.loss).toBeLessThan(history[0]!.loss * 0.8);
      });
    }
  });
}

const bundled: [string, TrainSettings][] = [
  ...(['lstm', 'cnn', 'transformer'] as const).map((m): [string, TrainSettings] => [m, toySettings(m, 1)]),
  [
    'cnn with local pooling and a hidden layer',
    { ...toySettings('cnn', 1), 'pool-size': 3, 'dense-units': 8 },
  ],
];

describe('model bundles', () => {
  for (const [name, trainSettings] of bundled) {
    it(`${name}: save → load → predict gives identical probabilities`, async () => {
      await useBackend('wasm');
      const { model: trained, history } = await trainModel(trainSettings, shape, data, null, hooks);
      const before = predictProbabilities([trained], data.ids, data.rows, length, 50);
      const dir = join(await mkdtemp(join(tmpdir(), 'tfjs-bundle-')), 'model');
      const training = {
        params: { ...trainSettings, 'validation-split': 0, ensemble: 1 },
        length,
        history,
        bestEpoch: 1,
        backend: 'wasm',
        genoflowVersion: '0.1.0',
      };
      await writeBundle(dir, [trained], {
        classes,
        positive: classes.at(-1)!,
        spec: rows.spec,
        training,
        metrics: null,
      });
      trained.dispose();
      expect((await readdir(dir)).sort()).toEqual([
        'labels.json',
        'metrics.json',
        'model.json',
        'model.onnx',
        'task.json',
        'tokenizer.json',
        'training.json',
        'weights.bin',
      ]);
      const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      expect(modelJson.format).toBe('layers-model');
      expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
      const loaded = await readBundle(dir);
      expect(loaded.classes).toEqual(classes);
      expect(loaded.spec).toEqual(rows.spec);
      expect(loaded.models).toHaveLength(1);
      const after = predictProbabilities(loaded.models, data.ids, data.rows, length, 50);
      loaded.models[0]!.dispose();
      expect(after).toEqual(before);
    });
  }
});

describe('data-parallel training', () => {
  for (const model of ['cnn', 'transformer'] as const) {
    it(`${model}: 2 worker threads train what one thread does, dropout included (to float tolerance)`, async () => {
      await useBackend('wasm');
      const run = async (threads: number) => {
        const trained = await trainModel(toySettings(model, 2), shape, data, null, { ...hooks, threads });
        const weights = trained.model.getWeights().map((w) => w.dataSync() as Float32Array);
        trained.model.dispose();
        return { weights, history: trained.history };
      };
      const one = await run(0);
      const two = await run(2);
      expect(toySettings(model, 2).dropout).toBeGreaterThan(0);
      for (const [i, record] of two.history.entries()) {
        expect(record.loss).toBeCloseTo(one.history[i]!.loss, 5);
        expect(record.accuracy).toBe(one.history[i]!.accuracy);
      }
      let worst = 0;
      for (const [i, w] of two.weights.entries())
        for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j]! - one.weights[i]![j]!));
      expect(worst).toBeLessThan(1e-4);
      // Adam moved the weights by far more than that.
      const initial = (await trainModel(toySettings(model, 0), shape, data, null, hooks)).model;
      const moved = initial.getWeights().map((w) => w.dataSync() as Float32Array);
      initial.dispose();
      let change = 0;
      for (const [i, w] of moved.entries())
        for (let j = 0; j < w.length; j++) change = Math.max(change, Math.abs(w[j]! - one.weights[i]![j]!));
      expect(change).toBeGreaterThan(1e-2);
    });
  }
});
