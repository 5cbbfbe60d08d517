import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import './layers.js';
import type { Metrics } from './metrics.js';
import { toOnnx } from './onnx-export.js';
import type { EpochRecord, TrainSettings } from './trainer.js';

/**
 * A model bundle folder: `model.json` + `weights.bin` in the layout tfjs-node and browsers
 * load (custom layers need `layers.ts` registered), `tokenizer.json`, `labels.json`,
 * `task.json` (labels and the positive class), `training.json` (params, per-epoch history,
 * backend, genoflow version) and `metrics.json`.
 * An ensemble of N (`params.ensemble`) keeps member 1 there and member i in `model-i.json`
 * + `weights-i.bin`, each a model of the same layout; the bundle predicts their mean.
 * `model.onnx` is the same model (an ensemble's mean) for onnxruntime (see onnx-export.ts);
 * bundles written before it existed lack it, and `genoflow export BUNDLE` adds it.
 */
export interface TrainingRecord {
  params: TrainSettings & { 'validation-split': number; ensemble: number };
  /** Padded length of the model's input rows. */
  length: number;
  /** Member 1's epochs (the only member's, without an ensemble). */
  history: EpochRecord[];
  bestEpoch: number;
  /** Every member's seed and epochs, in an ensemble of more than one. */
  members?: MemberRecord[];
  backend: string;
  genoflowVersion: string;
}

export interface MemberRecord {
  seed: number;
  history: EpochRecord[];
  bestEpoch: number;
}

export interface Bundle {
  /** The members (one without an ensemble), whose mean probabilities are the bundle's. */
  models: tf.LayersModel[];
  classes: string[];
  /** The class the score is the probability of: the last of `classes` (`task.json`; bundles without one: the last). */
  positive: string;
  spec: TokenizerSpec;
  training: TrainingRecord;
  /** The bytes of `model.onnx`; null in a bundle written before it existed. */
  onnx: Uint8Array | null;
}

/** genoflow's version, from package.json beside src (when run from source) or dist. */
export const genoflowVersion: string = (() => {
  for (const up of ['../../package.json', '../../../package.json']) {
    const path = fileURLToPath(new URL(up, import.meta.url));
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'genoflow' && pkg.version) return pkg.version;
  }
  return 'unknown';
})();

/** The model and weights files of member `i` (from 0). */
function memberFiles(i: number): { model: string; weights: string } {
  return i === 0
    ? { model: 'model.json', weights: 'weights.bin' }
    : { model: `model-${i + 1}.json`, weights: `weights-${i + 1}.bin` };
}

export const onnxFile = 'model.onnx';
/** What the model is for: its labels and the class it scores. */
export const taskFile = 'task.json';

/** Writes a bundle into a temporary sibling folder, then renames it over `dir`. */
export async function writeBundle(
  dir: string,
  models: readonly tf.LayersModel[],
  contents: {
    classes: string[];
    positive: string;
    spec: TokenizerSpec;
    training: TrainingRecord;
    metrics: Metrics | null;
  },
): Promise<void> {
  if (models.length !== contents.training.params.ensemble)
    throw new Error(`${models.length} models for an ensemble of ${contents.training.params.ensemble}`);
  const temp = join(dirname(dir), `.${basename(dir)}.${process.pid}.${Date.now()}.partial`);
  await mkdir(temp, { recursive: true });
  try {
    for (const [i, model] of models.entries()) {
      const files = memberFiles(i);
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
          const modelJson = {
            format: 'layers-model',
            generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
            convertedBy: null,
            modelTopology: artifacts.modelTopology,
            weightsManifest: [{ paths: [files.weights], weights: artifacts.weightSpecs }],
            userDefinedMetadata: { genoflowVersion, backend: contents.training.backend },
          };
          await writeFile(join(temp, files.model), JSON.stringify(modelJson));
          await writeFile(join(temp, files.weights), weights);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
    }
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    await writeFile(join(temp, 'tokenizer.json'), json(contents.spec));
    await writeFile(join(temp, 'labels.json'), json(contents.classes));
    await writeFile(join(temp, taskFile), json({ labels: contents.classes, positive: contents.positive }));
    await writeFile(join(temp, 'training.json'), json(contents.training));
    await writeFile(join(temp, 'metrics.json'), json(contents.metrics));
    await writeFile(join(temp, onnxFile), toOnnx(models, contents));
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/** Loads a bundle; errors name the file that is missing or broken. */
export async function readBundle(dir: string): Promise<Bundle> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch (err) {
      throw new Error(`${join(dir, name)}: cannot read model bundle file (${(err as Error).message})`);
    }
  };
  const parse = async <T>(name: string): Promise<T> => {
    const text = (await read(name)).toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new Error(`${join(dir, name)}: not valid JSON (${(err as Error).message})`);
    }
  };
  const training = withParamDefaults(await parse<TrainingRecord>('training.json'));
  const models: tf.LayersModel[] = [];
  try {
    for (let i = 0; i < training.params.ensemble; i++) {
      const files = memberFiles(i);
      const modelJson = await parse<tf.io.ModelJSON>(files.model);
      const weights = await read(files.weights);
      models.push(
        await tf.loadLayersModel(
          tf.io.fromMemory({
            modelTopology: modelJson.modelTopology,
            weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
            weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
          }),
        ),
      );
    }
    const classes = await parse<string[]>('labels.json');
    const task = existsSync(join(dir, taskFile)) ? await parse<{ positive: string }>(taskFile) : null;
    if (task && !classes.includes(task.positive))
      throw new Error(
        `${join(dir, taskFile)}: positive class "${task.positive}" is not one of labels.json's ${classes.join(', ')}`,
      );
    return {
      models,
      classes,
      positive: task?.positive ?? classes.at(-1)!,
      spec: await parse<TokenizerSpec>('tokenizer.json'),
      training,
      onnx: existsSync(join(dir, onnxFile)) ? new Uint8Array(await read(onnxFile)) : null,
    };
  } catch (err) {
    for (const model of models) model.dispose();
    throw err;
  }
}

/**
 * Bundles written before `pool-size`, `dense-units`, `ensemble` and `shift` existed had none
 * of them (global pooling, no hidden layer, one model, unshifted rows).
 */
function withParamDefaults(training: TrainingRecord): TrainingRecord {
  const { params } = training;
  return {
    ...training,
    params: {
      ...params,
      'pool-size': params['pool-size'] ?? 0,
      'dense-units': params['dense-units'] ?? 0,
      ensemble: params.ensemble ?? 1,
      shift: params.shift ?? 0,
    },
  };
}

/** The files a bundle of `members` models is made of (for declaring them as read). */
export function bundleFiles(members: number): string[] {
  const models = Array.from({ length: members }, (_, i) => Object.values(memberFiles(i))).flat();
  return [...models, 'tokenizer.json', 'labels.json', 'training.json'];
}
