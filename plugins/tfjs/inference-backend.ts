import type { StageContext } from '../../src/plugin-api/index.js';
import { type BackendName, envBackend, useBackend } from './backend.js';
import { loadOnnxRuntime, onnxMissing, onnxRuntimeVersion } from './onnx-runtime.js';
import type { InferenceChoice } from './params.js';

/** What tfjs.predict and tfjs.evaluate may run on: a tfjs backend, or onnxruntime-node. */
export type InferenceBackend = BackendName | 'onnx';

/**
 * Selects what predicts: `auto` is tfjs-node when it loads, else onnxruntime-node when it
 * is installed, else tfjs on wasm, else pure JS (env GENOFLOW_TF_BACKEND, when set, forces
 * one, as `--backend` does). tfjs is loaded in every case: it reads the bundle.
 */
export async function useInferenceBackend(choice: InferenceChoice): Promise<InferenceBackend> {
  let wanted = choice === 'auto' ? envBackend() : choice;
  if (wanted === 'auto') {
    const native = await useBackend('node').then(
      () => true,
      () => false,
    );
    if (!native && (await loadOnnxRuntime())) wanted = 'onnx';
  }
  if (wanted !== 'onnx') return useBackend(wanted);
  if (!(await loadOnnxRuntime())) throw new Error(onnxMissing);
  await useBackend('auto');
  return 'onnx';
}

/** Logs the backend, counts it in the trace (`backend-<name>`) and adds it to the report. */
export async function recordInferenceBackend(
  ctx: Pick<StageContext, 'log' | 'progress' | 'report' | 'threads'>,
  backend: InferenceBackend,
): Promise<void> {
  const library =
    backend === 'onnx' ? `onnxruntime-node ${await onnxRuntimeVersion()}` : `TensorFlow.js (${backend})`;
  const threads = backend === 'onnx' ? ctx.threads : backend === 'node' ? 'native' : `${ctx.threads} workers`;
  ctx.log.info(
    backend === 'onnx'
      ? `inference backend: onnx (${library}, ${threads} threads)`
      : `tfjs backend: ${backend}`,
  );
  ctx.progress.count(`backend-${backend}`);
  ctx.report({
    title: 'Inference backend',
    table: { columns: ['backend', 'library', 'threads'], rows: [[backend, library, threads]] },
  });
}
