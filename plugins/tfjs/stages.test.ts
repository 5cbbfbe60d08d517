import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/plugin-api/index.js';
import { collectingLogger, runStageForTest, stageError } from '../../src/plugin-api/testing.js';
import type { MetricsRecord } from './evaluate-run.js';
import { kmerBatches, motifSequences } from './fixtures.js';
import plugin from './index.js';
import { classificationMetrics } from './metrics.js';
import { killedTraining } from './test-helpers.js';
import type { ModelRecord } from './train-run.js';

const { train, predict, evaluate } = plugin.stages;
const sequences = motifSequences(120, 30, 21);
const batches = kmerBatches(sequences, 3, 32);
const trainParams = {
  model: 'cnn',
  'embedding-dim': 16,
  filters: 16,
  'kernel-size': 5,
  epochs: 6,
  'batch-size': 16,
  'learning-rate': 0.005,
  patience: 0,
  'validation-split': 0.25,
  seed: 9,
  // Shifted rows draw from the training's random state, which the resume test restores.
  shift: 2,
  backend: 'wasm',
};

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tfjs-stage-'));
}

describe('tfjs.train, predict and evaluate stages', () => {
  let uninterrupted: { dir: string; record: ModelRecord };

  it('train writes a complete bundle and reports the backend', async () => {
    const dir = join(await scratch(), 'model');
    const log: string[] = [];
    const result = await runStageForTest(train, {
      params: { ...trainParams, out: dir },
      inputs: { in: batches },
      log: collectingLogger(log),
    });
    const record = result.records[0] as ModelRecord;
    expect(result.records).toHaveLength(1);
    expect(record.path).toBe(dir);
    expect(record.classes).toEqual(['neg', 'pos']);
    expect(result.counters['backend-wasm']).toBe(1);
    expect(result.outputFiles).toEqual([dir]);
    expect(log[0]).toBe('tfjs backend: wasm');
    expect(log.filter((l) => /^epoch \d\/6 loss .* val_mcc .* samples\/s/.test(l))).toHaveLength(6);
    const training = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8'));
    expect(training.backend).toBe('wasm');
    expect(training.genoflowVersion).toBe('0.1.0');
    expect(training.history).toHaveLength(6);
    expect(training.params.model).toBe('cnn');
    expect(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'))).toEqual(batches[0]!.spec);
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.n).toBe(30); // a stratified quarter of 60 + 60
    expect(metrics.mcc).toBeGreaterThan(0.5);
    uninterrupted = { dir, record };
  });

  it('a training killed in epoch 3 of 6 resumes from its checkpoint and ends with identical weights', async () => {
    const { dir, checkpointDir, killed, first, resume } = await killedTraining(trainParams, batches, (line) =>
      line.startsWith('epoch 2/6'),
    );
    expect(killed.message).toBe('killed');
    expect(existsSync(dir)).toBe(false);
    expect(first.filter((l) => l.startsWith('epoch '))).toHaveLength(2);
    expect(JSON.parse(await readFile(join(checkpointDir, 'checkpoint.json'), 'utf8')).state.epoch).toBe(2);
    const second = await resume();
    expect(second).toContain('resuming from checkpoint after epoch 2');
    expect(second.filter((l) => l.startsWith('epoch ')).map((l) => l.split(' ')[1])).toEqual([
      '3/6',
      '4/6',
      '5/6',
      '6/6',
    ]);
    expect(await readFile(join(dir, 'weights.bin'))).toEqual(
      await readFile(join(uninterrupted.dir, 'weights.bin')),
    );
    expect(await readFile(join(dir, 'metrics.json'), 'utf8')).toBe(
      await readFile(join(uninterrupted.dir, 'metrics.json'), 'utf8'),
    );
  });

  it('predict streams a prediction per row, NaN for invalid rows, id and source carried', async () => {
    const some = kmerBatches(
      [
        { id: 'a', seq: 'ACGTTATAATACGTAC', label: 'pos' },
        { id: 'b', seq: 'ACGTAC', invalid: 'contig missing' },
        { id: 'c', seq: 'GGGGCCCCGGGGAAAA', label: 'neg' },
      ],
      3,
    );
    some[0]!.items[0]!.source = { line: 7 };
    const { records } = await runStageForTest(predict, {
      params: { model: uninterrupted.dir, backend: 'wasm' },
      inputs: { in: some },
    });
    const predictions = records as Prediction[];
    expect(predictions.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(predictions[0]!.source).toEqual({ line: 7 });
    expect(predictions[1]!.predicted).toBe('');
    expect(predictions[1]!.score).toBeNaN();
    expect(predictions[1]!.probabilities.every(Number.isNaN)).toBe(true);
    for (const p of [predictions[0]!, predictions[2]!]) {
      expect(p.probabilities[0]! + p.probabilities[1]!).toBeCloseTo(1, 5);
      expect(p.score).toBe(p.probabilities[1]);
      expect(p.predicted).toBe(p.probabilities[1]! > p.probabilities[0]! ? 'pos' : 'neg');
    }
  });

  it('a bundle knows its task: predict scores the class asked for, and refuses one the model lacks', async () => {
    expect(JSON.parse(await readFile(join(uninterrupted.dir, 'task.json'), 'utf8'))).toEqual({
      labels: ['neg', 'pos'],
      positive: 'pos',
    });
    expect(uninterrupted.record.positive).toBe('pos');
    const { records } = await runStageForTest(predict, {
      params: { model: uninterrupted.dir, backend: 'wasm', positive: 'neg' },
      inputs: { in: batches.slice(0, 1) },
    });
    for (const p of records as Prediction[]) expect(p.score).toBe(p.probabilities[0]);
    const refused = await stageError(predict, {
      params: { model: uninterrupted.dir, backend: 'wasm', positive: 'pathogenic' },
      inputs: { in: batches.slice(0, 1) },
    });
    expect(refused.message).toBe(
      `${uninterrupted.dir}: the model has no class "pathogenic" to score: its labels are neg, pos (positive class pos); train one on pathogenic-labelled data`,
    );
  });

  it('train puts the positive class it is given last, and refuses one not among the labels', async () => {
    const dir = join(await scratch(), 'model');
    const { records } = await runStageForTest(train, {
      params: { ...trainParams, epochs: 1, positive: 'neg', out: dir },
      inputs: { in: batches },
    });
    expect((records[0] as ModelRecord).classes).toEqual(['pos', 'neg']);
    expect(JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8'))).toEqual(['pos', 'neg']);
    const refused = await stageError(train, {
      params: { ...trainParams, epochs: 1, positive: 'pathogenic', out: dir },
      inputs: { in: batches },
    });
    expect(refused.message).toContain('positive class "pathogenic" is not among the labels found: neg, pos');
  });

  it("predict on two worker threads gives the main thread's probabilities, in input order", async () => {
    const run = async (threads: number) =>
      (
        await runStageForTest(predict, {
          params: { model: uninterrupted.dir, backend: 'wasm', 'batch-size': 8 },
          inputs: { in: batches },
          threads,
        })
      ).records as Prediction[];
    const [inline, pooled] = [await run(0), await run(2)];
    expect(batches.length).toBeGreaterThan(2); // more than one batch: the pool's path
    expect(pooled.map((p) => p.id)).toEqual(batches.flatMap((b) => b.items.map((item) => item.id)));
    expect(pooled).toEqual(inline);
  });

  it('predict refuses input tokenised differently from the model, naming the fields', async () => {
    const other = kmerBatches([{ id: 'x', seq: 'ACGTACGTAC' }], 4);
    expect(
      (
        await stageError(predict, {
          params: { model: uninterrupted.dir, backend: 'wasm' },
          inputs: { in: other },
        })
      ).message,
    ).toMatch(/another tokenizer .*k: model 3 != input 4.*vocabSize: model 69 != input 261/);
  });

  it('evaluate scores the model as its predictions say, and writes metrics.json and metrics.tsv', async () => {
    const out = await scratch();
    const result = await runStageForTest(evaluate, {
      params: { out, backend: 'wasm' },
      inputs: { model: [uninterrupted.record], in: batches },
    });
    const record = result.records[0] as MetricsRecord;
    const { records } = await runStageForTest(predict, {
      params: { model: uninterrupted.dir, backend: 'wasm' },
      inputs: { in: batches },
    });
    const predictions = records as Prediction[];
    const index = (label: string) => (label === 'pos' ? 1 : 0);
    const expected = classificationMetrics(
      ['neg', 'pos'],
      predictions.map((p) => index(p.label!)),
      predictions.map((p) => index(p.predicted)),
      predictions.flatMap((p) => p.probabilities),
    );
    expect(record.metrics).toEqual(expected);
    const written = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect([written.accuracy, written.f1, written.mcc, written.roc_auc]).toEqual([
      expected.accuracy,
      expected.f1,
      expected.mcc,
      expected.roc_auc,
    ]);
    const tsv = await readFile(join(out, 'metrics.tsv'), 'utf8');
    expect(tsv).toContain(`mcc\t*\t${expected.mcc}\n`);
    expect(tsv).toContain(`confusion:pos\tpos\t${expected.confusion[1]![1]}\n`);
  });

  it('evaluate with folds: 2 re-trains per stratified fold and reports mean and sd', async () => {
    const out = await scratch();
    const { records } = await runStageForTest(evaluate, {
      params: { out, folds: 2, backend: 'wasm' },
      inputs: { model: [uninterrupted.record], in: batches },
    });
    const record = records[0] as MetricsRecord;
    expect(record.folds).toHaveLength(2);
    expect(record.folds!.map((f) => f.n)).toEqual([60, 60]);
    expect(record.folds!.map((f) => f.confusion[1]![0]! + f.confusion[1]![1]!)).toEqual([30, 30]); // stratified
    const mccs = record.folds!.map((f) => f.mcc);
    expect(record.summary!.mcc!.mean).toBeCloseTo((mccs[0]! + mccs[1]!) / 2, 12);
    expect(record.summary!.mcc!.sd).toBeCloseTo(Math.abs(mccs[0]! - mccs[1]!) / Math.SQRT2, 12); // sample sd (n-1)
    expect(await readFile(join(out, 'metrics.tsv'), 'utf8')).toMatch(/^metric\tmean\tsd\naccuracy\t/);
  });
});
