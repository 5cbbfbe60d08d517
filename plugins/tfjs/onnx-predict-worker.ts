/** The pool worker of tfjs.predict on onnx: one single-threaded onnxruntime session per model, then runs. */
import { movable } from '../../src/plugin-api/movable.js';
import { createOnnxPredictor, type OnnxPredictor } from './onnx-runtime.js';

export interface OnnxPredictTask {
  /** Names the model (and its bytes) for the worker's cache. */
  key: string;
  /** The bytes of the model.onnx, shared by every task. */
  model: SharedArrayBuffer;
  length: number;
  classes: number;
  batchSize: number;
  /** `rows` rows of token ids, moved here. */
  ids: Int32Array;
  rows: number;
}

// A worker may hold two tasks, so both await one session.
let current: { key: string; predictor: Promise<OnnxPredictor> } | undefined;

export default async function runOnnxPredictTask(task: OnnxPredictTask): Promise<Float32Array> {
  if (current?.key !== task.key) {
    const previous = current?.predictor;
    const { length, classes, batchSize } = task;
    current = {
      key: task.key,
      // onnxruntime takes no shared memory: a copy.
      predictor: createOnnxPredictor(new Uint8Array(task.model).slice(), {
        length,
        classes,
        batchSize,
        threads: 1,
      }),
    };
    previous?.then(
      (p) => p.dispose(),
      () => {},
    );
  }
  const probabilities = await (await current.predictor).predict(task.ids, task.rows);
  return movable(probabilities, [probabilities.buffer as ArrayBuffer]);
}
