/**
 * The data-parallel training worker: the gradients of one part of a batch at the weights
 * the main thread sends. It loads the backend and the model once and keeps them.
 */
import * as tf from '@tensorflow/tfjs';
import { movable } from '../../src/plugin-api/movable.js';
import { useBackend } from './backend.js';
import { type FoldedModel, foldEmbeddingConv } from './embedding-conv.js';
import { dropoutSeeds } from './layers.js';
import { type BatchRows, batchGradients } from './loss.js';
import { loadSharedModel, type SharedModel } from './model-artifacts.js';
import type { BackendChoice } from './params.js';

/** One part of a batch (its rows as BatchRows) and the weights to take its gradients at. */
export interface GradientTask extends BatchRows {
  model: SharedModel;
  backend: BackendChoice;
  /** The trainable weights now, flattened in trainableWeights order. */
  weights: SharedArrayBuffer;
  /** Rows of the whole batch, and where this part starts in it. */
  batchRows: number;
  offset: number;
  /** Dropout seeds, in the order the whole batch's forward pass draws them. */
  seeds: number[];
}

export interface GradientResult {
  /** This part's gradients, flattened like the weights. */
  gradients: Float32Array;
  loss: number;
  correct: number;
  seedsUsed: number;
}

interface Loaded {
  model: tf.LayersModel;
  variables: tf.Variable[];
  fold: FoldedModel | null;
}

let current: { key: string; loaded: Promise<Loaded> } | undefined;

async function load(task: GradientTask): Promise<Loaded> {
  await useBackend(task.backend);
  const model = await loadSharedModel(task.model);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return { model, variables, fold: foldEmbeddingConv(model) };
}

export default async function runGradientTask(task: GradientTask): Promise<GradientResult> {
  if (current?.key !== task.model.key) {
    const previous = current?.loaded;
    current = { key: task.model.key, loaded: load(task) };
    previous?.then(
      ({ model }) => model.dispose(),
      () => {},
    );
  }
  const { model, variables, fold } = await current.loaded;
  const weights = new Float32Array(task.weights);
  let at = 0;
  for (const v of variables) {
    tf.tidy(() => v.assign(tf.tensor(weights.subarray(at, at + v.size), v.shape)));
    at += v.size;
  }
  let seedsUsed = 0;
  dropoutSeeds.next = () => task.seeds[seedsUsed++]!;
  dropoutSeeds.part = { rows: task.batchRows, offset: task.offset };
  const { grads, loss, correct } = batchGradients(model, variables, fold, task, task.batchRows);
  if (seedsUsed > task.seeds.length) throw new Error('the batch drew more dropout seeds than it was sent');
  const gradients = new Float32Array(at);
  at = 0;
  for (const v of variables) {
    gradients.set(grads[v.name]!.dataSync() as Float32Array, at);
    at += v.size;
  }
  tf.dispose(Object.values(grads));
  return movable({ gradients, loss, correct, seedsUsed }, [gradients.buffer]);
}
