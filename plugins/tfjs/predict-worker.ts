/** The tfjs.predict pool worker: loads the backend and the model once, then predicts batches. */
import type * as tf from '@tensorflow/tfjs';
import { movable } from '../../src/plugin-api/movable.js';
import { type BackendChoice, useBackend } from './backend.js';
import { createPredictor, type Predictor } from './inference.js';
import { loadSharedModel, type SharedModel } from './model-artifacts.js';

export interface PredictTask {
  model: SharedModel;
  backend: BackendChoice;
  length: number;
  batchSize: number;
  /** `rows` rows of token ids, moved here. */
  ids: Int32Array;
  rows: number;
}

interface Loaded {
  model: tf.LayersModel;
  predictor: Predictor;
}

// The model of the latest key; a worker may hold two tasks, so both await one load.
let current: { key: string; loaded: Promise<Loaded> } | undefined;

async function load(task: PredictTask): Promise<Loaded> {
  await useBackend(task.backend);
  const model = await loadSharedModel(task.model);
  return { model, predictor: createPredictor(model, task.length, task.batchSize) };
}

export default async function runPredictTask(task: PredictTask): Promise<Float32Array> {
  if (current?.key !== task.model.key) {
    const previous = current?.loaded;
    current = { key: task.model.key, loaded: load(task) };
    previous?.then(
      ({ model, predictor }) => {
        predictor.dispose();
        model.dispose();
      },
      () => {},
    );
  }
  const { predictor } = await current.loaded;
  const probabilities = predictor.predict(task.ids, task.rows);
  return movable(probabilities, [probabilities.buffer as ArrayBuffer]);
}
