import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import './layers.js';
import type { Metrics } from './metrics.js';
import type { EpochRecord, TrainSettings } from './trainer.js';

/**
 * A model bundle folder: `model.json` + `weights.bin` in the layout tfjs-node and browsers
 * load (custom layers need `layers.ts` registered), `tokenizer.json`, `labels.json`,
 * `training.json` (params, per-epoch history, backend, genoflow version) and `metrics.json`.
 */
export interface TrainingRecord {
  params: TrainSettings & { 'validation-split': number };
  /** Padded length of the model's input rows. */
  length: number;
  history: EpochRecord[];
  bestEpoch: number;
  backend: string;
  genoflowVersion: string;
}

export interface Bundle {
  model: tf.LayersModel;
  classes: string[];
  spec: TokenizerSpec;
  training: TrainingRecord;
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

/** Writes a bundle into a temporary sibling folder, then renames it over `dir`. */
export async function writeBundle(
  dir: string,
  model: tf.LayersModel,
  contents: { classes: string[]; spec: TokenizerSpec; training: TrainingRecord; metrics: Metrics | null },
): Promise<void> {
  const temp = join(dirname(dir), `.${basename(dir)}.${process.pid}.${Date.now()}.partial`);
  await mkdir(temp, { recursive: true });
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
        const modelJson = {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
          userDefinedMetadata: { genoflowVersion, backend: contents.training.backend },
        };
        await writeFile(join(temp, 'model.json'), JSON.stringify(modelJson));
        await writeFile(join(temp, 'weights.bin'), weights);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    await writeFile(join(temp, 'tokenizer.json'), json(contents.spec));
    await writeFile(join(temp, 'labels.json'), json(contents.classes));
    await writeFile(join(temp, 'training.json'), json(contents.training));
    await writeFile(join(temp, 'metrics.json'), json(contents.metrics));
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
  const modelJson = await parse<tf.io.ModelJSON>('model.json');
  const weights = await read('weights.bin');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  return {
    model,
    classes: await parse<string[]>('labels.json'),
    spec: await parse<TokenizerSpec>('tokenizer.json'),
    training: withArchitectureDefaults(await parse<TrainingRecord>('training.json')),
  };
}

/** Bundles written before `pool-size` and `dense-units` existed had neither (global pooling, no hidden layer). */
function withArchitectureDefaults(training: TrainingRecord): TrainingRecord {
  const { params } = training;
  return {
    ...training,
    params: { ...params, 'pool-size': params['pool-size'] ?? 0, 'dense-units': params['dense-units'] ?? 0 },
  };
}

/** The files a bundle is made of (for declaring them as read). */
export const bundleFiles = ['model.json', 'weights.bin', 'tokenizer.json', 'labels.json', 'training.json'];
