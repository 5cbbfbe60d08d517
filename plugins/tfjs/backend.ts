import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerFastKernels } from './kernels.js';
import { type BackendChoice, backendChoices } from './params.js';

/** The tfjs name of a backend that is in use. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

const tfjsName: Record<Exclude<BackendChoice, 'auto'>, BackendName> = {
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

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
  const wanted = choice === 'auto' ? parseChoice(process.env.GENOFLOW_TF_BACKEND) : choice;
  tf.enableProdMode();
  if (wanted !== 'auto') {
    const name = tfjsName[wanted];
    if (!(await tryBackend(name))) throw new Error(`tfjs backend "${wanted}" could not be loaded`);
    return name;
  }
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) if (await tryBackend(name)) return name;
  throw new Error('no tfjs backend could be loaded');
}

function parseChoice(value: string | undefined): BackendChoice {
  if (!value) return 'auto';
  if ((backendChoices as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`GENOFLOW_TF_BACKEND="${value}": expected one of ${backendChoices.join(', ')}`);
}

async function tryBackend(name: BackendName): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  try {
    if (name === 'tensorflow') await loadNativeBinding();
    if (name === 'wasm') pointWasmAtPackage();
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
