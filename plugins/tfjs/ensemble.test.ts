import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/plugin-api/index.js';
import { collectingLogger, runStageForTest } from '../../src/plugin-api/testing.js';
import { useBackend } from './backend.js';
import { readBundle, writeBundle } from './bundle.js';
import { collectRows, toDataset } from './dataset.js';
import { trainEnsemble } from './ensemble.js';
import type { MetricsRecord } from './evaluate-run.js';
import {
  kmerBatches,
  motifDataset,
  motifSequences,
  silentHooks,
  smallCnnTrainParams,
  toySettings,
} from './fixtures.js';
import plugin from './index.js';
import { predictProbabilities } from './inference.js';
import { predictInWorkers } from './pooled-inference.js';
import { killedTraining } from './test-helpers.js';
import { trainModel } from './trainer.js';

const settings = toySettings('cnn', 2);

const { length, rows, classes, data, shape } = await motifDataset();
const hooks = silentHooks();

const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => w.dataSync() as Float32Array);

/** The largest difference between the mean of `members` and `mean`, element by element. */
function worstFromMean(members: Float32Array[], mean: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < mean.length; i++) {
    const expected = members.reduce((a, m) => a + m[i]!, 0) / members.length;
    worst = Math.max(worst, Math.abs(mean[i]! - expected));
  }
  return worst;
}

describe('seed ensembles', () => {
  it('member i is the model a single training with seed + i gives', async () => {
    await useBackend('wasm');
    const members = await trainEnsemble(settings, 2, shape, data, null, hooks);
    expect(members).toHaveLength(2);
    const single = await trainModel({ ...settings, seed: settings.seed + 1 }, shape, data, null, hooks);
    expect(weightsOf(members[1]!.model)).toEqual(weightsOf(single.model));
    expect(weightsOf(members[0]!.model)).not.toEqual(weightsOf(members[1]!.model));
    for (const m of [...members, single]) m.model.dispose();
  });

  it('an ensemble of 2 predicts the mean of its members, and its bundle round-trips', async () => {
    await useBackend('wasm');
    const members = await trainEnsemble(settings, 2, shape, data, null, hooks);
    const models = members.map((m) => m.model);
    const own = models.map((m) => predictProbabilities([m], data.ids, data.rows, length, 50));
    const before = predictProbabilities(models, data.ids, data.rows, length, 50);
    expect(worstFromMean(own, before)).toBeLessThan(1e-6);
    // The members disagree, so the mean is not just one of them.
    expect(own[0]).not.toEqual(own[1]);
    const dir = join(await mkdtemp(join(tmpdir(), 'tfjs-ensemble-')), 'model');
    const training = {
      params: { ...settings, 'validation-split': 0, ensemble: 2 },
      length,
      history: members[0]!.history,
      bestEpoch: members[0]!.bestEpoch,
      backend: 'wasm',
      genoflowVersion: '0.1.0',
    };
    await writeBundle(dir, models, {
      classes,
      positive: classes.at(-1)!,
      spec: rows.spec,
      training,
      metrics: null,
    });
    expect((await readdir(dir)).sort()).toEqual([
      'labels.json',
      'metrics.json',
      'model-2.json',
      'model.json',
      'model.onnx',
      'task.json',
      'tokenizer.json',
      'training.json',
      'weights-2.bin',
      'weights.bin',
    ]);
    const second = JSON.parse(await readFile(join(dir, 'model-2.json'), 'utf8'));
    expect(second.weightsManifest[0].paths).toEqual(['weights-2.bin']);
    const loaded = await readBundle(dir);
    expect(loaded.models).toHaveLength(2);
    const after = predictProbabilities(loaded.models, data.ids, data.rows, length, 50);
    expect(after).toEqual(before);
    // Across worker threads: 480 rows (over the inline limit), several tasks per thread.
    const many = new Int32Array(3 * data.ids.length);
    for (let i = 0; i < 3; i++) many.set(data.ids, i * data.ids.length);
    const pool = (threads: number) =>
      predictInWorkers(loaded.models, many, 3 * data.rows, length, 16, { backend: 'wasm', threads });
    const pooled = await pool(2);
    expect(pooled).toEqual(await pool(0));
    expect(worstFromMean(own, pooled.subarray(2 * before.length))).toBeLessThan(1e-6);
    for (const m of [...models, ...loaded.models]) m.dispose();
    await expect(
      writeBundle(dir, models.slice(1), {
        classes,
        positive: classes.at(-1)!,
        spec: rows.spec,
        training,
        metrics: null,
      }),
    ).rejects.toThrow('1 models for an ensemble of 2');
  });

  it('a bundle written before ensembles and shifts existed loads as one unshifted model', async () => {
    await useBackend('wasm');
    const { model, history } = await trainModel({ ...settings, epochs: 1 }, shape, data, null, hooks);
    const dir = join(await mkdtemp(join(tmpdir(), 'tfjs-ensemble-')), 'model');
    const params = { ...settings, epochs: 1, 'validation-split': 0, ensemble: 1 };
    const training = { params, length, history, bestEpoch: 1, backend: 'wasm', genoflowVersion: '0.1.0' };
    await writeBundle(dir, [model], {
      classes,
      positive: classes.at(-1)!,
      spec: rows.spec,
      training,
      metrics: null,
    });
    const { ensemble: _, shift: __, ...older } = params;
    await writeFile(join(dir, 'training.json'), JSON.stringify({ ...training, params: older }));
    await rm(join(dir, 'task.json'));
    const loaded = await readBundle(dir);
    expect(loaded.positive).toBe(classes.at(-1));
    expect(loaded.training.params.ensemble).toBe(1);
    expect(loaded.training.params.shift).toBe(0);
    expect(loaded.models).toHaveLength(1);
    expect(predictProbabilities(loaded.models, data.ids, data.rows, length, 50)).toEqual(
      predictProbabilities([model], data.ids, data.rows, length, 50),
    );
    for (const m of [model, ...loaded.models]) m.dispose();
  });
});

describe('tfjs.train with ensemble: 2', () => {
  const { train, predict, evaluate } = plugin.stages;
  const stageBatches = kmerBatches(motifSequences(120, 30, 21), 3, 32);
  const params = { ...smallCnnTrainParams, ensemble: 2 };
  const scratch = () => mkdtemp(join(tmpdir(), 'tfjs-ensemble-stage-'));
  let uninterrupted = '';

  it('writes both members, their seeds and epochs, and reports a curve per member', async () => {
    uninterrupted = join(await scratch(), 'model');
    const log: string[] = [];
    const { report } = await runStageForTest(train, {
      params: { ...params, out: uninterrupted },
      inputs: { in: stageBatches },
      log: collectingLogger(log),
    });
    expect(log).toContain('training member 2/2 (seed 10)');
    const training = JSON.parse(await readFile(join(uninterrupted, 'training.json'), 'utf8'));
    expect(training.params.ensemble).toBe(2);
    expect(training.members.map((m: { seed: number }) => m.seed)).toEqual([9, 10]);
    expect(training.members.map((m: { history: unknown[] }) => m.history.length)).toEqual([3, 3]);
    expect(existsSync(join(uninterrupted, 'weights-2.bin'))).toBe(true);
    expect(report.filter((s) => s.title.startsWith('Training curves')).map((s) => s.title)).toEqual([
      'Training curves, member seed 9',
      'Training curves, member seed 10',
    ]);
  });

  it('killed in member 2, it keeps member 1 and resumes member 2 from its checkpoint', async () => {
    const { dir, killed, resume } = await killedTraining(params, stageBatches, (line) =>
      line.startsWith('member 2/2 (seed 10): epoch 1/3'),
    );
    expect(killed.message).toBe('killed');
    expect(existsSync(dir)).toBe(false);
    const second = await resume();
    expect(second).toContain('member 1/2 (seed 9): resuming from checkpoint after epoch 3');
    expect(second).toContain('member 2/2 (seed 10): resuming from checkpoint after epoch 1');
    const epochs = second.filter((l) => /epoch \d+\/\d+ loss /.test(l)).map((l) => l.replace(/ loss .*/, ''));
    expect(epochs).toEqual(['member 2/2 (seed 10): epoch 2/3', 'member 2/2 (seed 10): epoch 3/3']);
    for (const file of ['weights.bin', 'weights-2.bin', 'metrics.json', 'model.onnx'])
      expect(await readFile(join(dir, file))).toEqual(await readFile(join(uninterrupted, file)));
  });

  it("predict gives the mean of the members' own probabilities, on worker threads too", async () => {
    const bundle = await readBundle(uninterrupted);
    // 600 rows in batches of 300: over the inline limit, so threads: 2 predicts in workers.
    const input = kmerBatches(motifSequences(600, 30, 33), 3, 300);
    const rowsIn = (await collectRows(input, new AbortController().signal))!;
    const set = toDataset(rowsIn, ['neg', 'pos'], bundle.training.length);
    const own = bundle.models.map((m) => predictProbabilities([m], set.ids, set.rows, set.length, 64));
    for (const m of bundle.models) m.dispose();
    for (const threads of [0, 2]) {
      const { records, inputFiles } = await runStageForTest(predict, {
        params: { model: uninterrupted, backend: 'wasm', 'batch-size': 8 },
        inputs: { in: input },
        threads,
      });
      const probabilities = Float32Array.from((records as Prediction[]).flatMap((p) => p.probabilities));
      expect(worstFromMean(own, probabilities)).toBeLessThan(1e-6);
      expect(inputFiles).toContain(join(uninterrupted, 'weights-2.bin'));
    }
  });

  it('evaluate with folds: 2 re-trains an ensemble of 2 per fold', async () => {
    const log: string[] = [];
    const { records } = await runStageForTest(evaluate, {
      params: { out: await scratch(), folds: 2, backend: 'wasm' },
      inputs: { model: [{ path: uninterrupted }], in: stageBatches },
      log: collectingLogger(log),
    });
    expect((records[0] as MetricsRecord).folds).toHaveLength(2);
    expect(log.filter((l) => /^fold \d\/2: training member/.test(l))).toEqual([
      'fold 1/2: training member 1/2 (seed 9)',
      'fold 1/2: training member 2/2 (seed 10)',
      'fold 2/2: training member 1/2 (seed 9)',
      'fold 2/2: training member 2/2 (seed 10)',
    ]);
  });
});
