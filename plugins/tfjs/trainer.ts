import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/plugin-api/index.js';
import { Adam } from './adam.js';
import { currentBackend } from './backend.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { classWeights, type Dataset, shiftRow } from './dataset.js';
import { type FoldedModel, foldEmbeddingConv } from './embedding-conv.js';
import { argMaxRows, predictProbabilities } from './inference.js';
import { dropoutSeeds } from './layers.js';
import { batchGradients } from './loss.js';
import { confusionMatrix, mcc } from './metrics.js';
import { type ArchitectureParams, buildModel, type ModelShape } from './models.js';
import { ParallelSteps } from './parallel-steps.js';

/** The optimisation params of `tfjs.train`, as users write them. */
export interface OptimisationParams {
  epochs: number;
  'batch-size': number;
  'learning-rate': number;
  /** Epochs without a better validation loss before stopping; 0 never stops early. */
  patience: number;
  'class-weight': 'balanced' | 'none';
  seed: number;
  /** Each epoch moves every training row by a random -shift … shift tokens ([PAD] fills); 0: off. */
  shift: number;
}

export type TrainSettings = ArchitectureParams & OptimisationParams;

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  valMcc?: number;
  samplesPerSecond: number;
  seconds: number;
}

export interface TrainHooks {
  signal: AbortSignal;
  log(message: string): void;
  warn(message: string): void;
  status(message: string): void;
  /** Where to checkpoint every epoch and resume from; none for throw-away models (CV folds). */
  checkpointDir?: string;
  /** Identifies the training (params and data) that a checkpoint must match to be resumed. */
  fingerprint: string;
  /** Worker threads for data-parallel steps (wasm and cpu; from --threads); none or 1: this thread. */
  threads?: number;
}

export interface TrainResult {
  model: tf.Sequential;
  history: EpochRecord[];
  /** The epoch whose weights the model holds (best validation loss, else the last). */
  bestEpoch: number;
}

interface CheckpointState {
  fingerprint: string;
  epoch: number;
  rng: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  wait: number;
  stopped: boolean;
  adamStep: number;
  weightCount: number;
}

/**
 * Trains a classifier with Adam on class-weighted cross-entropy, one seeded shuffle per
 * epoch, early stopping on validation loss (keeping the best weights) and a checkpoint
 * after every epoch from which a killed training resumes exactly.
 */
export async function trainModel(
  settings: TrainSettings,
  shape: ModelShape,
  train: Dataset,
  valid: Dataset | null,
  hooks: TrainHooks,
): Promise<TrainResult> {
  const model = buildModel(settings, shape, settings.seed);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam = new Adam(variables, settings['learning-rate']);
  const weights = classWeights(train.labels, shape.classes, settings['class-weight']);
  const constant = constantLoss(train.labels, weights);
  const rng = new Rng(settings.seed ^ 0x5eed);
  let history: EpochRecord[] = [];
  let best = { epoch: 0, valLoss: Number.POSITIVE_INFINITY, weights: null as Float32Array[] | null };
  let wait = 0;
  let stopped = false;

  const saved = hooks.checkpointDir ? await readCheckpoint<CheckpointState>(hooks.checkpointDir) : null;
  if (saved && saved.state.fingerprint !== hooks.fingerprint)
    hooks.log('ignoring a checkpoint of a different training');
  else if (saved) {
    const s = saved.state;
    const modelWeights = model.getWeights();
    const n = modelWeights.length;
    tf.tidy(() => model.setWeights(modelWeights.map((w, i) => tf.tensor(saved.arrays[i]!, w.shape))));
    adam.restore(s.adamStep, saved.arrays.slice(n, n + 2 * variables.length));
    const bestArrays = saved.arrays.slice(n + 2 * variables.length);
    best = { epoch: s.bestEpoch, valLoss: s.bestValLoss, weights: bestArrays.length ? bestArrays : null };
    rng.state = s.rng;
    history = s.history;
    wait = s.wait;
    stopped = s.stopped;
    hooks.log(`resuming from checkpoint after epoch ${s.epoch}`);
  }
  dropoutSeeds.next = () => rng.below(2 ** 31);
  // A CNN's Embedding → Conv1D trains through the fold (embedding-conv.ts), which picks
  // per batch whatever costs fewer products.
  const fold = foldEmbeddingConv(model);
  const batchRows = Math.min(settings['batch-size'], train.rows);
  const backend = currentBackend();
  const threads = backend === 'node' ? 0 : (hooks.threads ?? 0);
  const partRows = threads > 1 && batchRows >= 2 * threads ? Math.ceil(batchRows / threads) : batchRows;
  const parallel =
    partRows < batchRows
      ? await ParallelSteps.start(model, variables, {
          backend,
          threads,
          signal: hooks.signal,
        })
      : null;
  const steps = { fold, parallel };
  try {
    for (let epoch = history.length + 1; epoch <= settings.epochs && !stopped; epoch++) {
      const started = performance.now();
      const { loss, accuracy } = await runEpoch(
        model,
        adam,
        variables,
        train,
        weights,
        rng,
        settings['batch-size'],
        settings.shift,
        (done, of) => {
          const seconds = (performance.now() - started) / 1000;
          hooks.status(
            `epoch ${epoch}/${settings.epochs} batch ${done}/${of} ${((done * settings['batch-size']) / seconds).toFixed(0)} samples/s`,
          );
        },
        hooks.signal,
        steps,
      );
      const seconds = (performance.now() - started) / 1000;
      const record: EpochRecord = { epoch, loss, accuracy, samplesPerSecond: train.rows / seconds, seconds };
      if (valid?.rows) {
        Object.assign(record, validationScores(model, valid, settings['batch-size'], shape.classes));
        if (record.valLoss! < best.valLoss) {
          best = {
            epoch,
            valLoss: record.valLoss!,
            weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
          };
          wait = 0;
        } else if (settings.patience > 0 && ++wait >= settings.patience) stopped = true;
      }
      history.push(record);
      const eta = (settings.epochs - epoch) * (history.reduce((a, h) => a + h.seconds, 0) / history.length);
      // Stopping is news only when epochs were left to run.
      if (stopped && epoch === settings.epochs) stopped = false;
      const line = describeEpoch(
        record,
        settings.epochs,
        stopped ? 'stopping early' : `ETA ${eta.toFixed(0)}s`,
      );
      hooks.log(line);
      hooks.status(line);
      if (epoch === FLAT_EPOCHS && loss > 0.99 * constant)
        hooks.warn(
          `training loss after ${FLAT_EPOCHS} epochs is ${loss.toFixed(4)}, no better than predicting the class shares for every row (${constant.toFixed(4)}): the model is not learning; try another learning-rate (now ${settings['learning-rate']}) or model`,
        );
      if (stopped)
        hooks.log(
          `stopping early after epoch ${epoch} of ${settings.epochs}: validation loss has not gone below epoch ${best.epoch}'s ${best.valLoss.toFixed(4)} for ${settings.patience} epochs (patience ${settings.patience})`,
        );
      if (hooks.checkpointDir) {
        const state: CheckpointState = {
          fingerprint: hooks.fingerprint,
          epoch,
          rng: rng.state,
          history,
          bestEpoch: best.epoch,
          bestValLoss: best.valLoss,
          wait,
          stopped,
          adamStep: adam.step,
          weightCount: model.getWeights().length,
        };
        const arrays = [
          ...model.getWeights().map((w) => w.dataSync() as Float32Array),
          ...adam.state().map((t) => t.dataSync() as Float32Array),
          ...(best.weights ?? []),
        ];
        await writeCheckpoint(hooks.checkpointDir, epoch, { state, arrays });
      }
    }
  } finally {
    await parallel?.close();
  }
  adam.dispose();
  hooks.log(keptWeights(history, best.weights ? best.epoch : null));
  if (best.weights) {
    const current = model.getWeights();
    tf.tidy(() => model.setWeights(current.map((w, i) => tf.tensor(best.weights![i]!, w.shape))));
  }
  return { model, history, bestEpoch: best.weights ? best.epoch : history.length };
}

async function runEpoch(
  model: tf.Sequential,
  adam: Adam,
  variables: tf.Variable[],
  data: Dataset,
  weights: Float32Array,
  rng: Rng,
  batchSize: number,
  shift: number,
  progress: (done: number, of: number) => void,
  signal: AbortSignal,
  steps: { fold: FoldedModel | null; parallel: ParallelSteps | null },
): Promise<{ loss: number; accuracy: number }> {
  const order = rng.shuffle(Array.from({ length: data.rows }, (_, i) => i));
  const batches = Math.ceil(data.rows / batchSize);
  const { fold, parallel } = steps;
  let lossSum = 0;
  let correct = 0;
  let lastStatus = performance.now();
  for (let b = 0; b < batches; b++) {
    signal.throwIfAborted();
    const rows = order.slice(b * batchSize, (b + 1) * batchSize);
    const ids = new Int32Array(rows.length * data.length);
    const labels = new Int32Array(rows.length);
    const sampleWeights = new Float32Array(rows.length);
    rows.forEach((r, i) => {
      const row = data.ids.subarray(r * data.length, (r + 1) * data.length);
      if (shift) shiftRow(row, data.leading, rng.below(2 * shift + 1) - shift, ids, i * data.length);
      else ids.set(row, i * data.length);
      labels[i] = data.labels[r]!;
      sampleWeights[i] = weights[data.labels[r]!]!;
    });
    const batch = { ids, labels, sampleWeights, length: data.length };
    const {
      grads,
      loss,
      correct: hits,
    } = parallel
      ? await parallel.step(batch, rng)
      : batchGradients(model, variables, fold, batch, rows.length);
    adam.apply(grads);
    tf.dispose(Object.values(grads));
    lossSum += loss * rows.length;
    correct += hits;
    if (performance.now() - lastStatus > 2000) {
      progress(b + 1, batches);
      lastStatus = performance.now();
    }
    // Let abort signals and progress output through between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { loss: lossSum / data.rows, accuracy: correct / data.rows };
}

function validationScores(model: tf.LayersModel, valid: Dataset, batchSize: number, classes: number) {
  const probs = predictProbabilities([model], valid.ids, valid.rows, valid.length, batchSize);
  const predicted = argMaxRows(probs, classes);
  let loss = 0;
  let hits = 0;
  for (let r = 0; r < valid.rows; r++) {
    const p = Math.min(Math.max(probs[r * classes + valid.labels[r]!]!, 1e-7), 1 - 1e-7);
    loss -= Math.log(p);
    if (predicted[r] === valid.labels[r]) hits++;
  }
  return {
    valLoss: loss / valid.rows,
    valAccuracy: hits / valid.rows,
    valMcc: mcc(confusionMatrix(valid.labels, predicted, classes)),
  };
}

function describeEpoch(r: EpochRecord, epochs: number, tail: string): string {
  const valid =
    r.valLoss === undefined
      ? ''
      : ` val_loss ${r.valLoss.toFixed(4)} val_acc ${r.valAccuracy!.toFixed(4)} val_mcc ${r.valMcc!.toFixed(4)}`;
  return `epoch ${r.epoch}/${epochs} loss ${r.loss.toFixed(4)} acc ${r.accuracy.toFixed(4)}${valid} ${r.samplesPerSecond.toFixed(0)} samples/s ${tail}`;
}

/**
 * A training whose loss after FLAT_EPOCHS epochs is not 1% below a constant classifier's (the
 * best one, predicting the class shares; ln K with balanced class weights) has learned
 * nothing from the sequences: it is warned of.
 */
const FLAT_EPOCHS = 3;

function constantLoss(labels: Int32Array, weights: Float32Array): number {
  const mass = Array.from(weights, () => 0);
  for (const l of labels) mass[l]! += weights[l]!;
  const total = mass.reduce((a, b) => a + b, 0);
  return -mass.reduce((sum, m) => (m ? sum + m * Math.log(m / total) : sum), 0) / labels.length;
}

/** Which epoch's weights the model keeps, and why. */
export function keptWeights(history: EpochRecord[], bestEpoch: number | null): string {
  const last = history.length;
  if (bestEpoch === null)
    return `keeping the weights of the last epoch (${last}): no validation rows to choose another by`;
  const best = history[bestEpoch - 1]!;
  return `keeping the weights of epoch ${bestEpoch} of ${last} run: the lowest validation loss (${best.valLoss!.toFixed(4)}, val_mcc ${best.valMcc!.toFixed(4)})${bestEpoch === last ? ', the last epoch' : `; epochs ${bestEpoch + 1}-${last} did not improve on it`}`;
}
