import * as tf from '@tensorflow/tfjs';
import { createPool, type Rng, type WorkerPool, workerFile } from '../../src/plugin-api/index.js';
import type { BackendName } from './backend.js';
import type { BatchRows } from './loss.js';
import { shareModel } from './model-artifacts.js';
import type { GradientResult, GradientTask } from './train-worker.js';

/** Dropout seeds sent per step: more than any model here draws in one forward pass. */
const seedsPerStep = 64;

/**
 * Data-parallel training steps: each batch is split into one part per worker thread; each
 * computes its part's gradients at the current weights (sent through shared memory) and
 * the parts add up to the batch's gradients, which the caller applies. Dropout seeds are
 * drawn from the trainer's RNG exactly as one thread would draw them, so the result equals
 * single-thread training up to float summation order.
 */
export class ParallelSteps {
  private readonly weights: SharedArrayBuffer;
  private constructor(
    private readonly pool: WorkerPool<GradientTask, GradientResult>,
    private readonly task: Pick<GradientTask, 'model' | 'backend'>,
    private readonly variables: tf.Variable[],
  ) {
    this.weights = new SharedArrayBuffer(4 * variables.reduce((n, v) => n + v.size, 0));
  }

  static async start(
    model: tf.LayersModel,
    variables: tf.Variable[],
    options: { backend: BackendName; threads: number; signal?: AbortSignal },
  ): Promise<ParallelSteps> {
    const pool = createPool<GradientTask, GradientResult>({
      worker: workerFile(import.meta.url, './train-worker.js'),
      threads: options.threads,
      signal: options.signal,
    });
    const task = {
      model: await shareModel(model),
      backend: options.backend,
    };
    return new ParallelSteps(pool, task, variables);
  }

  /** The gradients (by variable name), summed loss and right predictions of one batch. */
  async step(
    batch: BatchRows,
    rng: Rng,
  ): Promise<{ grads: tf.NamedTensorMap; loss: number; correct: number }> {
    const weights = new Float32Array(this.weights);
    let at = 0;
    for (const v of this.variables) {
      weights.set(v.dataSync() as Float32Array, at);
      at += v.size;
    }
    const before = rng.state;
    const seeds = Array.from({ length: seedsPerStep }, () => rng.below(2 ** 31));
    const rows = batch.labels.length;
    const partRows = Math.ceil(rows / this.pool.threads);
    const parts: Promise<GradientResult>[] = [];
    for (let offset = 0; offset < rows; offset += partRows) {
      const end = Math.min(rows, offset + partRows);
      const ids = batch.ids.slice(offset * batch.length, end * batch.length);
      const labels = batch.labels.slice(offset, end);
      const sampleWeights = batch.sampleWeights.slice(offset, end);
      const task = { ...this.task, weights: this.weights, ids, labels, sampleWeights, length: batch.length };
      parts.push(
        this.pool.run({ ...task, batchRows: rows, offset, seeds }, [
          ids.buffer,
          labels.buffer,
          sampleWeights.buffer,
        ]),
      );
    }
    const results = await Promise.all(parts);
    // Leave the RNG where one thread's forward pass would have left it.
    rng.state = before;
    for (let i = 0; i < results[0]!.seedsUsed; i++) rng.below(2 ** 31);
    const sum = results[0]!.gradients;
    for (const r of results.slice(1)) for (let i = 0; i < sum.length; i++) sum[i]! += r.gradients[i]!;
    const grads: tf.NamedTensorMap = {};
    at = 0;
    for (const v of this.variables) {
      grads[v.name] = tf.tensor(sum.subarray(at, at + v.size), v.shape);
      at += v.size;
    }
    return {
      grads,
      loss: results.reduce((a, r) => a + r.loss, 0),
      correct: results.reduce((a, r) => a + r.correct, 0),
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
