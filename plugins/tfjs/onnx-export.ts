import type * as tf from '@tensorflow/tfjs';
import type { Logger, TokenizerSpec } from '../../src/plugin-api/index.js';
import type { Bundle, TrainingRecord } from './bundle.js';
import { graphBuilder, irVersion, onnx, opsetVersion, valueInfo } from './onnx-graph.js';
import { memberGraph } from './onnx-layers.js';
import { defaultRunRows, runRowsFor, runRowsKey } from './onnx-runtime.js';

/** What model.onnx's metadata_props hold besides the graph (values are JSON). */
export const metadataKeys = {
  tokenizer: 'genoflow.tokenizer',
  labels: 'genoflow.labels',
  length: 'genoflow.length',
  params: 'genoflow.params',
  runRows: runRowsKey,
} as const;

export interface OnnxContents {
  /** Class names, in the order of the output's columns. */
  classes: string[];
  spec: TokenizerSpec;
  /** The padded length of an input row, the training params and the genoflow that trained it. */
  training: Pick<TrainingRecord, 'length' | 'params' | 'genoflowVersion'>;
}

/** What model.onnx's metadata give back. */
export interface OnnxMetadata {
  classes: string[];
  spec: TokenizerSpec;
  length: number;
  params: TrainingRecord['params'];
  /** Rows per session run that keep the largest intermediate tensor in cache (a hint; any batch size works). */
  runRows: number;
}

/**
 * A bundle's members as one ONNX model: input `tokens` int32 [batch, length], output
 * `probabilities` float32 [batch, classes] (the mean of the members' for an ensemble),
 * with the tokenizer spec, labels and length in its metadata. Inference only: dropout is
 * left out.
 */
export function toOnnx(models: readonly tf.LayersModel[], contents: OnnxContents): Uint8Array {
  const { training } = contents;
  const graph = graphBuilder(['tokens', 'probabilities']);
  const members = models.map((model, i) =>
    memberGraph(models.length > 1 ? graph.scoped(`member${i + 1}/`) : graph, model, 'tokens'),
  );
  const outputs = members.map((m) => m.probabilities);
  graph.node(outputs.length > 1 ? 'Mean' : 'Identity', outputs, [], ['probabilities']);
  const runRows = runRowsFor(Math.max(...members.map((m) => m.largestRowBytes)));
  const { FLOAT, INT32 } = onnx.TensorProto.DataType;
  const model = onnx.ModelProto.create({
    irVersion,
    opsetImport: [{ domain: '', version: opsetVersion }],
    producerName: 'genoflow',
    producerVersion: training.genoflowVersion,
    docString: `genoflow ${training.params.model} sequence classifier: token ids → class probabilities`,
    graph: {
      name: 'genoflow',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo('tokens', INT32, ['batch', training.length])],
      output: [valueInfo('probabilities', FLOAT, ['batch', contents.classes.length])],
    },
    metadataProps: [
      { key: metadataKeys.tokenizer, value: JSON.stringify(contents.spec) },
      { key: metadataKeys.labels, value: JSON.stringify(contents.classes) },
      { key: metadataKeys.length, value: JSON.stringify(training.length) },
      { key: metadataKeys.params, value: JSON.stringify(training.params) },
      { key: metadataKeys.runRows, value: JSON.stringify(runRows) },
    ],
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The metadata of an ONNX model written by toOnnx. */
export function readOnnxMetadata(bytes: Uint8Array): OnnxMetadata {
  const model = onnx.ModelProto.decode(bytes);
  const props = new Map(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  const get = (key: string) => {
    const value = props.get(key);
    if (value === undefined) throw new Error(`model.onnx: no metadata "${key}" (not written by genoflow?)`);
    return JSON.parse(value) as unknown;
  };
  return {
    spec: get(metadataKeys.tokenizer) as TokenizerSpec,
    classes: get(metadataKeys.labels) as string[],
    length: get(metadataKeys.length) as number,
    params: get(metadataKeys.params) as TrainingRecord['params'],
    // Written since the folded CNN's one-Gather form; before, every model ran in runs of 64.
    runRows: props.has(metadataKeys.runRows) ? (get(metadataKeys.runRows) as number) : defaultRunRows,
  };
}

/** A bundle's model.onnx, or for a bundle written before ONNX export the same converted in memory. */
export function bundleOnnx(bundle: Bundle, path: string, log: Logger): Uint8Array {
  if (bundle.onnx) return bundle.onnx;
  log.info(
    `${path}: no model.onnx (written before ONNX export), converted in memory; \`genoflow export ${path}\` adds it`,
  );
  return toOnnx(bundle.models, bundle);
}
