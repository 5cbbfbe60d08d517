/**
 * Inference on onnxruntime-node, an optional dependency: genoflow installs, tests and runs
 * without it (on tfjs), and `backend: onnx` then says how to get it.
 */
import { onnx } from './onnx-graph.js';

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

/** model.onnx's metadata key of the rows per session run (runRowsFor). */
export const runRowsKey = 'genoflow.run-rows';
/** Rows per run for a model without a large intermediate tensor: an LSTM's or a GEMM's batch. */
export const defaultRunRows = 64;

/**
 * What a run's largest intermediate tensor may take: runs of more rows push a folded CNN's tap
 * rows [rows, taps, length, filters] out of cache. Measured with 9 taps, length 128 and 128
 * filters (590 KB a row), one-thread sessions on 2 workers as tfjs.predict runs them, on this
 * 2-core machine: vocabulary 261 (the workflows' 4-mers) 38,400 rows/s in runs of 8, 27,600
 * of 16, 15,700 of 64; vocabulary 4,101 (6-mers) 17,100, 16,600 and 10,800.
 */
const runBytes = 5 << 20;

/** Rows per run for a model whose largest intermediate takes `rowBytes` a row (0: none stands out). */
export function runRowsFor(rowBytes: number): number {
  if (rowBytes <= 0) return defaultRunRows;
  return Math.max(1, Math.min(defaultRunRows, Math.floor(runBytes / rowBytes)));
}

/**
 * The rows per session run `model` asks for: its metadata's, or for a file written before
 * the key, the same rule applied to a folded CNN's tap tables (`conv_bias_by_tap`, [taps, 1,
 * filters]; the per-tap form of those files holds as many bytes a row at once).
 */
export function runRowsOf(model: Uint8Array): number {
  const decoded = onnx.ModelProto.decode(model);
  const value = decoded.metadataProps.find((p) => p.key === runRowsKey)?.value;
  const rows = value === undefined || value === null ? Number.NaN : Number(JSON.parse(value));
  if (Number.isInteger(rows) && rows > 0) return rows;
  const int = (v: unknown) => Number(String(v ?? 0)); // int64s may decode as Long
  const length = int(decoded.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[1]?.dimValue);
  let largest = 0;
  for (const initializer of decoded.graph?.initializer ?? []) {
    if (!initializer.name?.endsWith('conv_bias_by_tap') || initializer.dims?.length !== 3) continue;
    const [taps, , filters] = initializer.dims.map(int);
    largest = Math.max(largest, taps! * length * filters! * 4);
  }
  return runRowsFor(largest);
}

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
  const batchSize = Math.min(options.batchSize, runRowsOf(model));
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
