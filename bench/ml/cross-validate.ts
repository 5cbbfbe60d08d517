/**
 * Stratified K-fold cross-validation of one training setting on labelled sequences, as the
 * accuracy bench and the hyperparameter search both run it: per fold, 10 % of the training
 * part is held out for early stopping, and the test fold is only predicted.
 */
import { collectRows, stratifiedFolds, stratifiedSplit, toDataset } from '../../plugins/tfjs/dataset.js';
import { kmerBatches, type LabelledSequence } from '../../plugins/tfjs/fixtures.js';
import { argMaxRows, predictProbabilities } from '../../plugins/tfjs/inference.js';
import { classificationMetrics, type Metrics } from '../../plugins/tfjs/metrics.js';
import { type TrainSettings, trainModel } from '../../plugins/tfjs/trainer.js';

export interface FoldResult {
  fold: number;
  test: Metrics;
  /** MCC on the fold's validation split at the kept (best validation loss) epoch. */
  validMcc: number;
  bestEpoch: number;
  seconds: number;
}

/**
 * Runs the first `run` of `folds` folds (all by default; fewer to prune a search cheaply).
 * Fold assignment is seeded (7) independently of the model seed, so settings are compared
 * on the same folds.
 */
export async function crossValidate(
  sequences: LabelledSequence[],
  k: number,
  classes: string[],
  settings: TrainSettings,
  folds: number,
  run = folds,
  onFold: (r: FoldResult) => void = () => {},
): Promise<FoldResult[]> {
  const batches = kmerBatches(sequences, k, 256);
  const length = batches[0]!.length;
  const rows = (await collectRows(batches, new AbortController().signal))!;
  const shape = { vocabSize: rows.spec.vocabSize, length, classes: classes.length };
  const assignment = stratifiedFolds(rows.labels, folds, 7);
  const results: FoldResult[] = [];
  for (const [f, test] of assignment.slice(0, run).entries()) {
    const started = performance.now();
    const rest = assignment.flatMap((fold, i) => (i === f ? [] : fold));
    const split = stratifiedSplit(
      rest.map((r) => rows.labels[r]!),
      0.1,
      f,
    );
    const pick = (indices: number[]) =>
      toDataset(
        rows,
        classes,
        length,
        indices.map((i) => rest[i]!),
      );
    const hooks = { signal: new AbortController().signal, log: () => {}, status: () => {}, fingerprint: '' };
    const { model, history, bestEpoch } = await trainModel(
      settings,
      shape,
      pick(split.train),
      pick(split.valid),
      hooks,
    );
    const testSet = toDataset(rows, classes, length, test);
    const probs = predictProbabilities(model, testSet.ids, testSet.rows, length, 256);
    model.dispose();
    const result = {
      fold: f + 1,
      test: classificationMetrics(classes, testSet.labels, argMaxRows(probs, classes.length), probs),
      validMcc: history[bestEpoch - 1]?.valMcc ?? Number.NaN,
      bestEpoch,
      seconds: (performance.now() - started) / 1000,
    };
    onFold(result);
    results.push(result);
  }
  return results;
}
