import type * as tf from '@tensorflow/tfjs';
import { mapInOrder, workerFile } from '../../src/plugin-api/index.js';
import type { BackendName } from './backend.js';
import { createEnsemblePredictor, type Predictor } from './inference.js';
import { shareModel } from './model-artifacts.js';
import type { PredictTask } from './predict-worker.js';

/** Fewer rows than this, alone, are predicted in this thread (workers would load the model first). */
export const tinyRows = 256;

/** The worker module of predicting pools. */
export const predictWorker = (): string => workerFile(import.meta.url, './predict-worker.js');

/** Threads to predict on: native TensorFlow runs its own, wasm and cpu one batch per worker. */
export function predictThreads(backend: BackendName, threads: number): number {
  return backend === 'node' ? 0 : threads;
}

/**
 * Class probabilities of `rows` rows of ids (the mean of `models`' when several) across
 * `threads` worker threads (chunks of whole batches, a few per thread, results in order);
 * in this thread when `threads` is 0 or the rows are few. Equal to createEnsemblePredictor's
 * in this thread (workers fold the CNN too).
 */
export async function predictInWorkers(
  models: readonly tf.LayersModel[],
  ids: Int32Array,
  rows: number,
  length: number,
  batchSize: number,
  options: { backend: BackendName; threads: number; signal?: AbortSignal },
): Promise<Float32Array> {
  const threads = predictThreads(options.backend, options.threads);
  if (rows === 0) return new Float32Array(0);
  const perTask =
    threads === 0 || rows < tinyRows ? rows : batchSize * Math.ceil(rows / (threads * 4) / batchSize);
  const chunks = Array.from({ length: Math.ceil(rows / perTask) }, (_, i) => ({
    from: i * perTask,
    count: Math.min(perTask, rows - i * perTask),
  }));
  const shared = threads > 0 && rows >= tinyRows ? await Promise.all(models.map(shareModel)) : undefined;
  let inline: Predictor | undefined;
  const classes = (models[0]!.outputs[0]!.shape as number[])[1]!;
  const out = new Float32Array(rows * classes);
  try {
    const mapped = mapInOrder<{ from: number; count: number }, PredictTask, Float32Array>(
      (async function* () {
        yield* chunks;
      })(),
      {
        worker: predictWorker(),
        threads,
        signal: options.signal,
        isTiny: (first) => first.count < tinyRows,
        inline: ({ from, count }) => {
          inline ??= createEnsemblePredictor(models, length, batchSize);
          return inline.predict(ids.subarray(from * length, (from + count) * length), count);
        },
        toTask: ({ from, count }) => {
          const task = ids.slice(from * length, (from + count) * length);
          const backend = options.backend;
          return {
            task: { models: shared!, backend, length, batchSize, ids: task, rows: count },
            transfer: [task.buffer],
          };
        },
      },
    );
    for await (const { input, result } of mapped) out.set(result, input.from * classes);
    return out;
  } finally {
    inline?.dispose();
  }
}
