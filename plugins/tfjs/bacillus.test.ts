import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { collectRows, stratifiedSplit, toDataset } from './dataset.js';
import { bacillusPromoters, bacillusSettings, kmerBatches, silentHooks } from './fixtures.js';
import { argMaxRows, predictProbabilities } from './inference.js';
import { classificationMetrics } from './metrics.js';
import { trainModel } from './trainer.js';

describe('real data: B. subtilis promoters (CNNProm set)', () => {
  it('a single-base CNN with local pooling separates promoters from non-promoters on a held-out fifth', async () => {
    await useBackend('wasm');
    const sequences = bacillusPromoters();
    expect(sequences).toHaveLength(1373);
    const batches = kmerBatches(sequences, 1, 256);
    const length = batches[0]!.length;
    const rows = (await collectRows(batches, new AbortController().signal))!;
    const classes = ['non-promoter', 'promoter'];
    const { train, valid } = stratifiedSplit(rows.labels, 0.2, 1);
    const test = toDataset(rows, classes, length, valid);
    // The bench's setting, trained a fixed 15 epochs (no validation split to stop on here):
    // one network, its ensemble's first member, as 5 would take the test over a minute.
    const settings = { ...bacillusSettings, epochs: 15, patience: 0 };
    const shape = { vocabSize: rows.spec.vocabSize, length, classes: 2 };
    const hooks = silentHooks();
    const { model } = await trainModel(settings, shape, toDataset(rows, classes, length, train), null, hooks);
    const probs = predictProbabilities([model], test.ids, test.rows, length, 256);
    model.dispose();
    const metrics = classificationMetrics(classes, test.labels, argMaxRows(probs, 2), probs);
    expect(metrics.n).toBe(275); // 75 promoters + 200 non-promoters
    // Measured MCC 0.835 (Sn 0.93, Sp 0.93, ROC AUC 0.975) with these settings on wasm (the
    // same counts as without shift augmentation); the 4-mer CNN with global pooling it
    // replaces measured 0.725. Chance is 0; CNNProm published 0.86.
    // The margin below 0.835 is about twice the fold-to-fold and the seed-to-seed sd of 5-fold CV.
    expect(metrics.mcc).toBeGreaterThanOrEqual(0.78);
    expect(metrics.roc_auc).toBeGreaterThanOrEqual(0.95);
  });
});
