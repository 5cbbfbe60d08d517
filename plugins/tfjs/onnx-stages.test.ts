import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/plugin-api/index.js';
import { collectingLogger, runStageForTest } from '../../src/plugin-api/testing.js';
import { cli, tempDir } from '../../test/helpers.js';
import type { MetricsRecord } from './evaluate-run.js';
import { kmerBatches, motifSequences, smallCnnTrainParams } from './fixtures.js';
import plugin from './index.js';
import { readOnnxMetadata } from './onnx-export.js';
import { loadOnnxRuntime } from './onnx-runtime.js';

const { train, predict, evaluate, interpret } = plugin.stages;
const ort = await loadOnnxRuntime();
const batches = kmerBatches(motifSequences(120, 30, 21), 3, 32);

async function trained(params: Record<string, unknown>): Promise<string> {
  const dir = join(tempDir('onnx-bundle'), 'model');
  await runStageForTest(train, {
    params: { ...smallCnnTrainParams, ...params, out: dir },
    inputs: { in: batches },
  });
  return dir;
}

async function predictions(model: string, backend: string, log: string[] = [], threads = 2) {
  const result = await runStageForTest(predict, {
    params: { model, backend, 'batch-size': 8 },
    inputs: { in: batches },
    threads,
    log: collectingLogger(log),
  });
  return { ...result, predictions: result.records as Prediction[] };
}

function largestDifference(a: Prediction[], b: Prediction[]): number {
  expect(a.map((p) => p.id)).toEqual(b.map((p) => p.id));
  return Math.max(
    ...a.flatMap((p, i) => p.probabilities.map((x, c) => Math.abs(x - b[i]!.probabilities[c]!))),
  );
}

describe('model bundles as ONNX', () => {
  let cnn: string;

  it('tfjs.train writes model.onnx whose metadata hold the bundle’s tokenizer spec and labels', async () => {
    cnn = await trained({});
    const metadata = readOnnxMetadata(await readFile(join(cnn, 'model.onnx')));
    expect(metadata.spec).toEqual(JSON.parse(await readFile(join(cnn, 'tokenizer.json'), 'utf8')));
    expect(metadata.classes).toEqual(['neg', 'pos']);
    expect(metadata.length).toBe(batches[0]!.length);
  });

  it.skipIf(!ort)(
    'tfjs.predict on onnx gives the probabilities of tfjs (wasm) to 1e-5, and says so',
    async () => {
      const log: string[] = [];
      const onnx = await predictions(cnn, 'onnx', log);
      const wasm = await predictions(cnn, 'wasm');
      expect(onnx.predictions).toHaveLength(120);
      expect(largestDifference(onnx.predictions, wasm.predictions)).toBeLessThan(1e-5);
      expect(onnx.predictions.map((p) => p.predicted)).toEqual(wasm.predictions.map((p) => p.predicted));
      expect(log[0]).toMatch(/^inference backend: onnx \(onnxruntime-node \d+\.\d+\.\d+, 2 threads\)$/);
      expect(onnx.counters['backend-onnx']).toBe(1);
      expect(onnx.report).toContainEqual({
        title: 'Inference backend',
        table: {
          columns: ['backend', 'library', 'threads'],
          rows: [['onnx', expect.stringMatching(/^onnxruntime-node /), 2]],
        },
      });
      expect(onnx.inputFiles).toContain(join(cnn, 'model.onnx'));
      // Sessions in two workers (above) or in this thread: the same numbers.
      expect((await predictions(cnn, 'onnx', [], 0)).predictions).toEqual(onnx.predictions);
    },
  );

  it.skipIf(!ort)('backend auto predicts on onnx when tfjs-node is absent', async () => {
    const auto = await predictions(cnn, 'auto');
    expect(auto.counters['backend-onnx']).toBe(1);
  });

  it.skipIf(!ort)('tfjs.evaluate on onnx scores the bundle as on wasm', async () => {
    const score = async (backend: string, folds = 0) => {
      const { records, counters } = await runStageForTest(evaluate, {
        params: { out: tempDir('onnx-eval'), backend, folds },
        inputs: { model: [{ path: cnn }], in: batches },
      });
      const record = records[0] as MetricsRecord;
      return { metrics: record.metrics!, folds: record.folds, counters };
    };
    const [onnx, wasm] = [await score('onnx'), await score('wasm')];
    expect(onnx.counters['backend-onnx']).toBe(1);
    expect(onnx.metrics.confusion).toEqual(wasm.metrics.confusion);
    expect(onnx.metrics.accuracy).toBe(wasm.metrics.accuracy);
    expect(onnx.metrics.roc_auc).toBeCloseTo(wasm.metrics.roc_auc!, 5);
    // Cross-validation re-trains on tfjs and scores each fold's models, converted in memory, on onnx.
    const [onnxFolds, wasmFolds] = [(await score('onnx', 2)).folds!, (await score('wasm', 2)).folds!];
    expect(onnxFolds.map((f) => f.confusion)).toEqual(wasmFolds.map((f) => f.confusion));
  });

  it.skipIf(!ort)('an ensemble bundle of 2 predicts on onnx the mean it predicts on wasm', async () => {
    const ensemble = await trained({ ensemble: 2, epochs: 2 });
    const onnx = await predictions(ensemble, 'onnx');
    const wasm = await predictions(ensemble, 'wasm');
    expect(largestDifference(onnx.predictions, wasm.predictions)).toBeLessThan(1e-5);
  });

  it.skipIf(!ort)(
    'tfjs.interpret on onnx gives naive ISM equal to tfjs (wasm) to 1e-5; gradients refuse it',
    async () => {
      const ism = async (backend: string) => {
        const out = tempDir(`interpret-${backend}`);
        await runStageForTest(interpret, {
          params: { model: cnn, method: 'ism', ism: 'naive', backend, out },
          inputs: { in: batches.slice(0, 1) },
        });
        return (await readFile(join(out, 'ism.tsv'), 'utf8')).trimEnd().split('\n').slice(1);
      };
      const [onnx, wasm] = [await ism('onnx'), await ism('wasm')];
      expect(onnx.length).toBe(32 * 3 * 30);
      let largest = 0;
      for (const [i, row] of onnx.entries()) {
        const a = row.split('\t');
        const b = wasm[i]!.split('\t');
        expect(a.slice(0, 4)).toEqual(b.slice(0, 4));
        largest = Math.max(largest, Math.abs(Number(a[5]) - Number(b[5])));
      }
      expect(largest).toBeLessThan(1e-5);
      await expect(
        runStageForTest(interpret, {
          params: { model: cnn, method: 'saliency', backend: 'onnx', out: tempDir('interpret-refused') },
          inputs: { in: batches.slice(0, 1) },
        }),
      ).rejects.toThrow(/backend onnx runs naive ISM only \(saliency needs TensorFlow\.js\)/);
    },
  );

  it('a bundle without model.onnx (written before ONNX export) still predicts on onnx, and `genoflow export` writes the file training writes', async () => {
    const written = await readFile(join(cnn, 'model.onnx'));
    await rm(join(cnn, 'model.onnx'));
    if (ort) {
      const log: string[] = [];
      const old = await predictions(cnn, 'onnx', log);
      expect(log).toContain(
        `${cnn}: no model.onnx (written before ONNX export), converted in memory; \`genoflow export ${cnn}\` adds it`,
      );
      expect(old.predictions).toHaveLength(120);
    }
    const exported = await cli(['export', cnn]);
    expect(exported.stderr).toMatch(/model\.onnx: cnn, 2 classes/);
    expect(exported.code).toBe(0);
    expect(exported.stdout.toString()).toBe(`${join(cnn, 'model.onnx')}\n`);
    expect(Buffer.compare(await readFile(join(cnn, 'model.onnx')), written)).toBe(0);
  });

  it('`genoflow export` of a folder that is no bundle fails naming it, with exit code 2', async () => {
    const dir = tempDir('not-a-bundle');
    const result = await cli(['export', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `genoflow: ${dir}: no plugin can export this (expected a model bundle folder)\n`,
    );
  });
});
