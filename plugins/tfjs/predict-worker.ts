/** The tfjs.predict pool worker: loads the backend and the models once, then predicts batches. */
import type * as tf from '@tensorflow/tfjs';
import { movable } from '../../src/plugin-api/movable.js';
import { useBackend } from './backend.js';
import { createEnsemblePredictor, type Predictor } from './inference.js';
import { loadSharedModel, type SharedModel } from './model-artifacts.js';
import type { BackendChoice } from './params.js';

export interface PredictTask {
  /** A bundle's members (one without an ensemble); the task predicts their mean. */
  models: SharedModel[];
  backend: BackendChoice;
  length: number;
  batchSize: number;
  /** `rows` rows of token ids, moved here. */
  ids: Int32Array;
  rows: number;
}

interface Loaded {
  models: tf.LayersModel[];
  predictor: Predictor;
}

// The models of the latest key; a worker may hold two tasks, so both await one load.
let current: { key: string; loaded: Promise<Loaded> } | undefined;

async function load(task: PredictTask): Promise<Loaded> {
  await useBackend(task.backend);
  const models = await Promise.all(task.models.map(loadSharedModel));
  return { models, predictor: createEnsemblePredictor(models, task.length, task.batchSize) };
}

export default async function runPredictTask(task: PredictTask): Promise<Float32Array> {
  const key = task.models.map((m) => m.key).join(' ');
  if (current?.key !== key) {
    const previous = current?.loaded;
    current = { key, loaded: load(task) };
    previous?.then(
      ({ models, predictor }) => {
        predictor.dispose();
        for (const model of models) model.dispose();
      },
      () => {},
    );
  }
  const { predictor } = await current.loaded;
  const probabilities = predictor.predict(task.ids, task.rows);
  return movable(probabilities, [probabilities.buffer as ArrayBuffer]);
}
