/**
 * The data-parallel training worker: the gradients of one part of a batch at the weights
 * the main thread sends. It loads the backend and the model once and keeps them.
 */
import * as tf from '@tensorflow/tfjs';
import { movable } from '../../src/plugin-api/movable.js';
import { type BackendChoice, useBackend } from './backend.js';
import { type FoldedModel, foldEmbeddingConv, foldedTrainingApply } from './embedding-conv.js';
import { dropoutSeeds } from './layers.js';
import { batchLoss } from './loss.js';
import { loadSharedModel, type SharedModel } from './model-artifacts.js';

export interface GradientTask {
  model: SharedModel;
  backend: BackendChoice;
  /** The trainable weights now, flattened in trainableWeights order. */
  weights: SharedArrayBuffer;
  ids: Int32Array;
  labels: Int32Array;
  sampleWeights: Float32Array;
  length: number;
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
  const rows = task.labels.length;
  let seedsUsed = 0;
  dropoutSeeds.next = () => task.seeds[seedsUsed++]!;
  dropoutSeeds.part = { rows: task.batchRows, offset: task.offset };
  let correct: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const probs = fold
      ? foldedTrainingApply(fold, task.ids, rows, task.length)
      : (model.apply(tf.tensor2d(task.ids, [rows, task.length], 'int32'), { training: true }) as tf.Tensor);
    const part = batchLoss(probs, task.labels, task.sampleWeights, task.batchRows);
    correct = tf.keep(part.correct);
    return part.loss;
  }, variables);
  if (seedsUsed > task.seeds.length) throw new Error('the batch drew more dropout seeds than it was sent');
  const gradients = new Float32Array(at);
  at = 0;
  for (const v of variables) {
    gradients.set(grads[v.name]!.dataSync() as Float32Array, at);
    at += v.size;
  }
  const result = { gradients, loss: value.dataSync()[0]!, correct: correct!.dataSync()[0]!, seedsUsed };
  tf.dispose([value, correct!, ...Object.values(grads)]);
  return movable(result, [gradients.buffer]);
}
