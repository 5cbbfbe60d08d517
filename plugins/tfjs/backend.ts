import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerFastKernels } from './kernels.js';
import { type BackendChoice, type InferenceChoice, inferenceChoices } from './params.js';

/** A tfjs backend in use, by the name users write (`node` is tfjs's `tensorflow`). */
export type BackendName = Exclude<BackendChoice, 'auto'>;

const tfjsName: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

/** The backend tfjs computes on now, by the name users write. */
export function currentBackend(): BackendName {
  const name = tf.getBackend();
  return name === 'tensorflow' ? 'node' : (name as BackendName);
}

/**
 * Selects the TensorFlow.js backend: the param, else env GENOFLOW_TF_BACKEND, else the
 * fastest that loads (tfjs-node, then wasm, then pure JS). tfjs has one engine per
 * process, so this switches the backend for every model of the process.
 */
export function useBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  // Stages start at once: one selection at a time, so none sees a backend still initialising.
  const selected = selecting.then(() => selectBackend(choice));
  selecting = selected.catch(() => {});
  return selected;
}

let selecting: Promise<unknown> = Promise.resolve();

async function selectBackend(choice: BackendChoice): Promise<BackendName> {
  const fromEnv = envBackend();
  // onnx in the environment picks what predicts; tfjs itself (training, reading bundles) stays auto.
  const wanted = choice === 'auto' && fromEnv !== 'onnx' ? fromEnv : choice;
  tf.enableProdMode();
  if (wanted !== 'auto') {
    if (!(await tryBackend(wanted))) throw new Error(`tfjs backend "${wanted}" could not be loaded`);
    return wanted;
  }
  for (const name of ['node', 'wasm', 'cpu'] as const) if (await tryBackend(name)) return name;
  throw new Error('no tfjs backend could be loaded');
}

/** GENOFLOW_TF_BACKEND, checked: the names `--backend` and the stage params take. */
export function envBackend(): InferenceChoice {
  const value = process.env.GENOFLOW_TF_BACKEND;
  if (!value) return 'auto';
  if ((inferenceChoices as readonly string[]).includes(value)) return value as InferenceChoice;
  throw new Error(`GENOFLOW_TF_BACKEND="${value}": expected one of ${inferenceChoices.join(', ')}`);
}

async function tryBackend(backend: BackendName): Promise<boolean> {
  const name = tfjsName[backend];
  if (tf.getBackend() === name) return true;
  try {
    if (backend === 'node') await loadNativeBinding();
    if (backend === 'wasm') pointWasmAtPackage();
    if (!(await withoutNewProcessHandlers(() => tf.setBackend(name)))) return false;
  } catch {
    return false;
  }
  registerFastKernels(name);
  return true;
}

/** tfjs-node is an optional peer dependency: it registers the `tensorflow` backend when installed. */
async function loadNativeBinding(): Promise<void> {
  const moduleName = '@tensorflow/tfjs-node';
  await import(moduleName);
}

/**
 * The emscripten glue of the wasm backend installs process-wide `uncaughtException` and
 * `unhandledRejection` handlers that rethrow, which would turn any rejection the engine
 * handles later into a crash. Process handlers are the engine's business: drop them.
 */
async function withoutNewProcessHandlers<T>(action: () => Promise<T>): Promise<T> {
  const emitter: EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((event) => new Set(emitter.listeners(event)));
  try {
    return await action();
  } finally {
    for (const [i, event] of events.entries()) {
      for (const listener of emitter.listeners(event)) {
        if (!before[i]!.has(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

let wasmPathsSet = false;
function pointWasmAtPackage(): void {
  if (wasmPathsSet) return;
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(`${dirname(entry)}/`);
  wasmPathsSet = true;
}

export { tf };
