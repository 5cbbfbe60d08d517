/**
 * Stratified K-fold cross-validation of one training setting on labelled sequences, as the
 * accuracy bench and the hyperparameter search both run it: per fold, 10 % of the training
 * part is held out for early stopping, and the test fold is only predicted.
 */
import { collectRows, stratifiedFolds, stratifiedSplit, toDataset } from '../../plugins/tfjs/dataset.js';
import { trainEnsemble } from '../../plugins/tfjs/ensemble.js';
import { kmerBatches, type LabelledSequence, silentHooks } from '../../plugins/tfjs/fixtures.js';
import { argMaxRows, predictProbabilities } from '../../plugins/tfjs/inference.js';
import { classificationMetrics, type Metrics } from '../../plugins/tfjs/metrics.js';
import type { TrainSettings } from '../../plugins/tfjs/trainer.js';

export interface FoldResult {
  fold: number;
  /** The ensemble's (or the single model's) metrics on the test fold. */
  test: Metrics;
  /** Each member's own test MCC (one entry for a single model). */
  memberMcc: number[];
  /** Mean over members of the MCC on the fold's validation split at the kept (best validation loss) epoch. */
  validMcc: number;
  /** Each member's kept epoch. */
  bestEpochs: number[];
  seconds: number;
}

/**
 * Runs the first `run` of `folds` folds (all by default; fewer to prune a search cheaply).
 * Fold assignment is seeded (`foldSeed`, 7 for the bench) independently of the model seed,
 * so settings are compared on the same folds. With `ensemble: N` each fold trains N members (seeds seed … seed+N-1)
 * and scores the mean of their probabilities, as a `tfjs.train` bundle would predict.
 */
export async function crossValidate(
  sequences: LabelledSequence[],
  k: number,
  classes: string[],
  settings: TrainSettings & { ensemble?: number },
  folds: number,
  run = folds,
  onFold: (r: FoldResult) => void = () => {},
  foldSeed = 7,
): Promise<FoldResult[]> {
  const batches = kmerBatches(sequences, k, 256);
  const length = batches[0]!.length;
  const rows = (await collectRows(batches, new AbortController().signal))!;
  const shape = { vocabSize: rows.spec.vocabSize, length, classes: classes.length };
  const assignment = stratifiedFolds(rows.labels, folds, foldSeed);
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
    const hooks = silentHooks();
    const members = await trainEnsemble(
      settings,
      settings.ensemble ?? 1,
      shape,
      pick(split.train),
      pick(split.valid),
      hooks,
    );
    const testSet = toDataset(rows, classes, length, test);
    const models = members.map((m) => m.model);
    const score = (probs: Float32Array) =>
      classificationMetrics(classes, testSet.labels, argMaxRows(probs, classes.length), probs);
    const probs = predictProbabilities(models, testSet.ids, testSet.rows, length, 256);
    const memberMcc = models.map(
      (m) => score(predictProbabilities([m], testSet.ids, testSet.rows, length, 256)).mcc,
    );
    for (const m of models) m.dispose();
    const result = {
      fold: f + 1,
      test: score(probs),
      memberMcc,
      validMcc:
        members.reduce((a, m) => a + (m.history[m.bestEpoch - 1]?.valMcc ?? Number.NaN), 0) / members.length,
      bestEpochs: members.map((m) => m.bestEpoch),
      seconds: (performance.now() - started) / 1000,
    };
    onFold(result);
    results.push(result);
  }
  return results;
}
