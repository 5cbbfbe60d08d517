import * as tf from '@tensorflow/tfjs';
import './layers.js';

/**
 * A model as worker threads receive it: topology, weight specs and the weights in shared
 * memory (so that every task can carry them without a copy), under a key that names this
 * model (and these weights) for the workers' cache.
 */
export interface SharedModel {
  key: string;
  topology: tf.io.ModelArtifacts['modelTopology'];
  weightSpecs: tf.io.WeightsManifestEntry[];
  weights: SharedArrayBuffer;
}

let models = 0;

export async function shareModel(model: tf.LayersModel): Promise<SharedModel> {
  let shared: SharedModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const weights = new SharedArrayBuffer(bytes.byteLength);
      new Uint8Array(weights).set(bytes);
      shared = {
        key: `${process.pid}:${++models}`,
        topology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs ?? [],
        weights,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return shared!;
}

export function loadSharedModel(shared: SharedModel): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: shared.topology,
      weightSpecs: shared.weightSpecs,
      weightData: new Uint8Array(shared.weights).slice().buffer,
    }),
  );
}
