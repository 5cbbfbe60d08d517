/**
 * Inference on onnxruntime-node, an optional dependency: genoflow installs, tests and runs
 * without it (on tfjs), and `backend: onnx` then says how to get it.
 */

/** The part of onnxruntime-node's API used here (typed locally: the package may be absent). */
interface OnnxRuntime {
  env: { versions?: { node?: string } };
  Tensor: new (type: 'int32', data: Int32Array, dims: readonly number[]) => unknown;
  InferenceSession: {
    create(
      model: Uint8Array,
      options: {
        intraOpNumThreads: number;
        interOpNumThreads: number;
        graphOptimizationLevel: 'all';
        executionMode: 'sequential';
        extra: Record<string, unknown>;
      },
    ): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
}

export const onnxMissing =
  'backend "onnx" needs onnxruntime-node, which is not installed (an optional dependency: `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`)';

let runtime: Promise<OnnxRuntime | null> | undefined;

/** onnxruntime-node, or null when it is not installed or does not load on this platform. */
export function loadOnnxRuntime(): Promise<OnnxRuntime | null> {
  const moduleName = 'onnxruntime-node';
  runtime ??= import(moduleName).then(
    (m: { default?: OnnxRuntime } & OnnxRuntime) => m.default ?? m,
    () => null,
  );
  return runtime;
}

/** onnxruntime-node's version, for the log and the report. */
export async function onnxRuntimeVersion(): Promise<string> {
  return (await loadOnnxRuntime())?.env.versions?.node ?? 'unknown';
}

/**
 * Rows per session run at most: a folded CNN's per-tap [rows, length, filters] tensors then
 * stay in cache (2 threads, length 128, 128 filters: 6,800 rows/s in runs of 32, 5,600 of 64,
 * 2,500 of 256, on this 2-core machine under load).
 */
const runRows = 64;

export interface OnnxPredictor {
  /** Class probabilities of `rows` rows of ids (row-major, `length` wide), in runs of at most `batchSize` rows. */
  predict(ids: Int32Array, rows: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** A session on `model` (the bytes of a model.onnx) running on `threads` threads. */
export async function createOnnxPredictor(
  model: Uint8Array,
  options: { length: number; classes: number; batchSize: number; threads: number },
): Promise<OnnxPredictor> {
  const ort = await loadOnnxRuntime();
  if (!ort) throw new Error(onnxMissing);
  const { length, classes } = options;
  const batchSize = Math.min(options.batchSize, runRows);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Math.max(1, options.threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Idle intra-op threads sleep instead of spinning: the pipeline's other stages share the cores.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  return {
    async predict(ids, rows) {
      const out = new Float32Array(rows * classes);
      for (let start = 0; start < rows; start += batchSize) {
        const count = Math.min(batchSize, rows - start);
        const tokens = new ort.Tensor('int32', ids.subarray(start * length, (start + count) * length), [
          count,
          length,
        ]);
        const { probabilities } = await session.run({ tokens });
        out.set(probabilities!.data as Float32Array, start * classes);
      }
      return out;
    },
    dispose: () => session.release(),
  };
}

/** The class probabilities of `rows` rows of ids by `model` (the bytes of a model.onnx). */
export async function predictOnnx(
  model: Uint8Array,
  ids: Int32Array,
  rows: number,
  options: { length: number; classes: number; batchSize: number; threads: number },
): Promise<Float32Array> {
  const predictor = await createOnnxPredictor(model, options);
  try {
    return await predictor.predict(ids, rows);
  } finally {
    await predictor.dispose();
  }
}
