import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from './dataset.js';
import { createPredictor, type Predictor } from './inference.js';
import type { ModelShape } from './models.js';
import { type TrainHooks, type TrainResult, type TrainSettings, trainModel } from './trainer.js';

/** Seed of member `i` (from 0) of an ensemble trained with seed `seed`. */
export const memberSeed = (seed: number, i: number): number => seed + i;

/**
 * Trains `members` models on the same data, member i with seed `seed + i` (its own
 * initial weights, shuffles and dropout), one after another. One member checkpoints in
 * `checkpointDir` itself; several each in `checkpointDir/member-<i>`, so a killed
 * ensemble training keeps its finished members and resumes the one in progress.
 */
export async function trainEnsemble(
  settings: TrainSettings,
  members: number,
  shape: ModelShape,
  train: Dataset,
  valid: Dataset | null,
  hooks: TrainHooks,
): Promise<TrainResult[]> {
  const results: TrainResult[] = [];
  try {
    for (let i = 0; i < members; i++) {
      const seed = memberSeed(settings.seed, i);
      const label = members > 1 ? `member ${i + 1}/${members} (seed ${seed}): ` : '';
      let checkpointDir = hooks.checkpointDir;
      if (checkpointDir && members > 1) {
        checkpointDir = join(checkpointDir, `member-${i + 1}`);
        await mkdir(checkpointDir, { recursive: true });
      }
      if (label) hooks.log(`training ${label.slice(0, -2)}`);
      results.push(
        await trainModel({ ...settings, seed }, shape, train, valid, {
          ...hooks,
          log: (m) => hooks.log(label + m),
          status: (m) => hooks.status(label + m),
          checkpointDir,
          fingerprint: members > 1 ? `${hooks.fingerprint}/member-${i + 1}` : hooks.fingerprint,
        }),
      );
    }
  } catch (err) {
    for (const r of results) r.model.dispose();
    throw err;
  }
  return results;
}

/**
 * Predicts the mean of the members' class probabilities (a single member: its own,
 * unchanged). Each member predicts as createPredictor does.
 */
export function createEnsemblePredictor(
  models: readonly tf.LayersModel[],
  length: number,
  batchSize: number,
  expectedRows = Number.POSITIVE_INFINITY,
): Predictor {
  const predictors = models.map((m) => createPredictor(m, length, batchSize, expectedRows));
  if (predictors.length === 1) return predictors[0]!;
  const predict = (ids: Int32Array, rows: number) => {
    const sum = new Float64Array(predictors[0]!.predict(ids, rows));
    for (const p of predictors.slice(1)) {
      const probs = p.predict(ids, rows);
      for (let i = 0; i < sum.length; i++) sum[i]! += probs[i]!;
    }
    return Float32Array.from(sum, (s) => s / predictors.length);
  };
  const dispose = () => {
    for (const p of predictors) p.dispose();
  };
  return { predict, dispose };
}

/** The members' mean class probabilities of `rows` rows of ids (row-major, `length` wide). */
export function ensembleProbabilities(
  models: readonly tf.LayersModel[],
  ids: Int32Array,
  rows: number,
  length: number,
  batchSize: number,
): Float32Array {
  const predictor = createEnsemblePredictor(models, length, batchSize, rows);
  try {
    return predictor.predict(ids, rows);
  } finally {
    predictor.dispose();
  }
}
