import type * as tf from '@tensorflow/tfjs';
import { foldEmbeddingConv } from './embedding-conv.js';
import { attr, type GraphBuilder } from './onnx-graph.js';

/**
 * The layers buildModel makes (models.ts, layers.ts) as ONNX nodes, for inference: what
 * each computes in tfjs, written with opset 17 operators. Dropout is the identity.
 */

/**
 * A tensor in the graph and its layout: tfjs keeps [batch, length, channels]; ONNX's Conv
 * wants [batch, channels, length], so a CNN stays channels-first between its convolutions.
 */
interface Value {
  name: string;
  channelsFirst: boolean;
  /**
   * A ReLU not applied yet: a max pool that follows takes it after pooling (the max of the
   * ReLUs is the ReLU of the max), so it runs on the pooled tensor instead of every position.
   */
  relu?: boolean;
}

/** `x` with its pending ReLU applied. */
function settled(graph: GraphBuilder, x: Value): Value {
  return x.relu ? { name: graph.node('Relu', [x.name])[0]!, channelsFirst: x.channelsFirst } : x;
}

export interface MemberGraph {
  /** The name of its probabilities. */
  probabilities: string;
  /** Bytes per input row of its largest intermediate tensor (a folded CNN's tap rows), 0 if none stands out. */
  largestRowBytes: number;
}

/** The nodes of one model from `input` (token ids). */
export function memberGraph(graph: GraphBuilder, model: tf.LayersModel, input: string): MemberGraph {
  let x: Value = { name: input, channelsFirst: false };
  let layers = model.layers;
  let largestRowBytes = 0;
  if (foldEmbeddingConv(model)) {
    const folded = foldedEmbeddingConv(graph, layers[0]!, layers[1]!, input);
    x = folded.value;
    largestRowBytes = folded.rowBytes;
    layers = layers.slice(2);
  }
  for (const layer of layers) x = layerNodes(graph, layer, x);
  return { probabilities: channelsLast(graph, settled(graph, x)), largestRowBytes };
}

/**
 * A CNN's Embedding → Conv1D folded as tfjs folds it for inference (embedding-conv.ts):
 * tables[tap] = [embeddings; 0] · kernel[tap] (the bias in tap `left`'s table), then at
 * every position the sum over taps of tables[tap][id at position + tap - left], the zero row
 * `vocab` standing for padding. The file keeps the embeddings and the kernel; the tables'
 * MatMul has only initializers as inputs, so onnxruntime computes it once, at load. A row
 * then costs taps × filters additions where the Conv costs taps × embedding × filters
 * multiply-adds.
 *
 * In few nodes, each over the whole batch: one Gather makes every tap's ids [batch, taps,
 * out length] (offset into its table), one Gather reads their rows [batch, taps, out length,
 * filters], and one ReduceSum adds the taps (contiguous blocks, so it streams). A Slice, an
 * Add and a Gather per tap and a Sum of the taps' tensors (38 nodes for 9 taps, against 14
 * now) took 1.5x the time in a session on two threads, where every node is a parallel
 * section: bench/ml/speed's CNN 8,100 - 10,000 rows/s against 14,000 - 15,100 now, PyTorch
 * 8,400 - 9,800 beside it.
 */
function foldedEmbeddingConv(
  graph: GraphBuilder,
  embedding: tf.layers.Layer,
  conv: tf.layers.Layer,
  ids: string,
): { value: Value; rowBytes: number } {
  const e = weightsOf(embedding).get('embeddings')!;
  const w = weightsOf(conv);
  const kernel = w.get('kernel')!;
  const [taps, dim, filters] = kernel.shape as [number, number, number];
  const vocab = e.shape[0]!;
  const config = conv.getConfig() as { padding: string; activation: string };
  const left = config.padding === 'same' ? Math.floor((taps - 1) / 2) : 0;
  const right = config.padding === 'same' ? taps - 1 - left : 0;
  const padded = new Float32Array((vocab + 1) * dim);
  padded.set(data(e));
  const bias = new Float32Array(taps * filters);
  const b = w.get('bias');
  if (b) bias.set(data(b), left * filters);
  const products = graph.node('MatMul', [
    graph.floats('embeddings_padded', padded, [1, vocab + 1, dim]),
    graph.floats('conv_kernel', data(kernel), [taps, dim, filters]),
  ])[0]!;
  const withBias = graph.node('Add', [
    products,
    graph.floats('conv_bias_by_tap', bias, [taps, 1, filters]),
  ])[0]!;
  const tables = graph.node('Reshape', [
    withBias,
    graph.int64s('tables_shape', [taps * (vocab + 1), filters]),
  ])[0]!;
  // Ids padded with `vocab` on both sides; tap t reads positions t … t + out length - 1.
  const paddedIds = graph.node('Pad', [
    ids,
    graph.int64s('id_pads', [0, left, 0, right]),
    graph.int32('pad_id', vocab),
  ])[0]!;
  const length = (embedding.batchInputShape as number[])[1]!;
  const outLength = length + left + right - taps + 1;
  // windows[t][i] = i + t: the padded position tap t reads for output position i.
  const windows: number[] = [];
  for (let t = 0; t < taps; t++) for (let i = 0; i < outLength; i++) windows.push(i + t);
  const tapIds = graph.node(
    'Gather',
    [paddedIds, graph.int64s('tap_windows', windows, [taps, outLength])],
    [attr.int('axis', 1)],
  )[0]!;
  const tableOffsets = Int32Array.from({ length: taps }, (_, t) => t * (vocab + 1));
  const rows = graph.node('Gather', [
    tables,
    graph.node('Add', [tapIds, graph.int32s('tap_offsets', tableOffsets, [taps, 1])])[0]!,
  ])[0]!;
  const sum = graph.node('ReduceSum', [rows, graph.int64s('tap_axis', [1])], [attr.int('keepdims', 0)])[0]!;
  return {
    value: deferredActivation(graph, sum, config.activation, false),
    rowBytes: taps * outLength * filters * 4,
  };
}

/** `x` through `name`, a ReLU left pending (see Value). */
function deferredActivation(graph: GraphBuilder, x: string, name: string, channelsFirst: boolean): Value {
  if (name === 'relu') return { name: x, channelsFirst, relu: true };
  return { name: activation(graph, x, name), channelsFirst };
}

function channelsLast(graph: GraphBuilder, x: Value): string {
  return x.channelsFirst ? graph.node('Transpose', [x.name], [attr.ints('perm', [0, 2, 1])])[0]! : x.name;
}

function channelsFirst(graph: GraphBuilder, x: Value): string {
  return x.channelsFirst ? x.name : graph.node('Transpose', [x.name], [attr.ints('perm', [0, 2, 1])])[0]!;
}

/** A layer's weights by their own names (`kernel`, `query_bias`, …). */
function weightsOf(layer: tf.layers.Layer): Map<string, tf.Tensor> {
  const values = layer.getWeights();
  return new Map(layer.weights.map((w, i) => [w.originalName.split('/').at(-1)!, values[i]!]));
}

function data(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** `values` [rows, cols] transposed. */
function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

function activation(graph: GraphBuilder, x: string, name: string): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return graph.node('Relu', [x])[0]!;
    case 'softmax':
      return graph.node('Softmax', [x], [attr.int('axis', -1)])[0]!;
    default:
      throw new Error(`cannot export activation "${name}" to ONNX`);
  }
}

/** x · w + b over the last axis (MatMul broadcasts over the leading ones). */
function dense(graph: GraphBuilder, x: string, w: tf.Tensor, b: tf.Tensor | undefined, name: string): string {
  const product = graph.node('MatMul', [x, graph.floats(`${name}_kernel`, data(w), w.shape)])[0]!;
  return b ? graph.node('Add', [product, graph.floats(`${name}_bias`, data(b), b.shape)])[0]! : product;
}

function layerNodes(graph: GraphBuilder, layer: tf.layers.Layer, pending: Value): Value {
  const className = layer.getClassName();
  // A max pool takes a pending ReLU through; every other layer needs it applied.
  const pools = className === 'GlobalMaxPooling1D' || className === 'MaxPooling1D';
  const x = pools ? pending : settled(graph, pending);
  const config = layer.getConfig() as Record<string, unknown>;
  const w = weightsOf(layer);
  const last = (name: string): Value => ({ name, channelsFirst: false });
  switch (className) {
    case 'Embedding': {
      const e = w.get('embeddings')!;
      return last(graph.node('Gather', [graph.floats('embeddings', data(e), e.shape), x.name])[0]!);
    }
    case 'GenoflowTokenAndPositionEmbedding': {
      const tokens = w.get('tokens')!;
      const positions = w.get('positions')!;
      const dim = tokens.shape[1]!;
      const length = (layer.batchInputShape as number[])[1]!;
      const embedded = graph.node('Gather', [
        graph.floats('token_embeddings', data(tokens), tokens.shape),
        x.name,
      ])[0]!;
      const used = data(positions).slice(0, length * dim);
      return last(
        graph.node('Add', [embedded, graph.floats('position_embeddings', used, [length, dim])])[0]!,
      );
    }
    case 'Conv1D':
      return conv1d(graph, config, w, x);
    case 'GlobalMaxPooling1D': {
      const axes = [x.channelsFirst ? 2 : 1];
      const pooled = graph.node(
        'ReduceMax',
        [x.name],
        [attr.ints('axes', axes), attr.int('keepdims', 0)],
      )[0]!;
      return settled(graph, { name: pooled, channelsFirst: false, relu: x.relu });
    }
    case 'MaxPooling1D': {
      const [size] = config.poolSize as number[];
      const [stride] = config.strides as number[];
      if (config.padding !== 'valid') throw new Error(`cannot export MaxPooling1D padding ${config.padding}`);
      const pooled = graph.node(
        'MaxPool',
        [channelsFirst(graph, x)],
        [attr.ints('kernel_shape', [size!]), attr.ints('strides', [stride!])],
      )[0]!;
      return { name: pooled, channelsFirst: true, relu: x.relu };
    }
    case 'Flatten':
      return last(graph.node('Flatten', [channelsLast(graph, x)], [attr.int('axis', 1)])[0]!);
    case 'LSTM':
      return last(lstm(graph, config, w, x.name));
    case 'GenoflowTransformerEncoderBlock':
      return last(encoderBlock(graph, config, w, x.name));
    case 'GenoflowSequencePooling':
      if (config.mode === 'mean')
        return last(
          graph.node('ReduceMean', [x.name], [attr.ints('axes', [1]), attr.int('keepdims', 0)])[0]!,
        );
      // [CLS]: position 0, [batch, 1, dim] → [batch, dim].
      return last(
        graph.node('Squeeze', [
          graph.node('Gather', [x.name, graph.int64s('first', [0])], [attr.int('axis', 1)])[0]!,
          graph.int64s('axis1', [1]),
        ])[0]!,
      );
    case 'GenoflowSeededDropout':
    case 'Dropout':
      return x;
    case 'Dense': {
      const y = dense(graph, channelsLast(graph, x), w.get('kernel')!, w.get('bias'), 'dense');
      return last(activation(graph, y, config.activation as string));
    }
    default:
      throw new Error(`cannot export layer ${layer.getClassName()} (${layer.name}) to ONNX`);
  }
}

function conv1d(
  graph: GraphBuilder,
  config: Record<string, unknown>,
  w: Map<string, tf.Tensor>,
  x: Value,
): Value {
  const kernel = w.get('kernel')!;
  const [taps, inChannels, filters] = kernel.shape as [number, number, number];
  const one = (v: unknown) => (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
  if (!one(config.strides) || !one(config.dilationRate))
    throw new Error('cannot export a Conv1D with strides or dilation to ONNX');
  // tfjs [taps, in, filters] → ONNX [filters, in, taps].
  const values = data(kernel);
  const onnxKernel = new Float32Array(values.length);
  for (let t = 0; t < taps; t++)
    for (let c = 0; c < inChannels; c++)
      for (let f = 0; f < filters; f++)
        onnxKernel[(f * inChannels + c) * taps + t] = values[(t * inChannels + c) * filters + f]!;
  // TensorFlow's `same` puts the odd padding on the right.
  const total = config.padding === 'same' ? taps - 1 : 0;
  const inputs = [
    channelsFirst(graph, x),
    graph.floats('conv_kernel', onnxKernel, [filters, inChannels, taps]),
  ];
  const bias = w.get('bias');
  if (bias) inputs.push(graph.floats('conv_bias', data(bias), bias.shape));
  const pads = [Math.floor(total / 2), total - Math.floor(total / 2)];
  const conv = graph.node('Conv', inputs, [attr.ints('kernel_shape', [taps]), attr.ints('pads', pads)])[0]!;
  return deferredActivation(graph, conv, config.activation as string, true);
}

/**
 * tfjs's LSTM as ONNX's (sequence-major, so [batch, length, in] is transposed first):
 * gates reordered from tfjs's i, f, c, o to ONNX's i, o, f, c, kernels transposed, and the
 * recurrent activation kept: tfjs defaults to hardSigmoid (0.2 x + 0.5, clipped).
 */
function lstm(
  graph: GraphBuilder,
  config: Record<string, unknown>,
  w: Map<string, tf.Tensor>,
  x: string,
): string {
  const units = config.units as number;
  if (config.goBackwards || config.stateful) throw new Error('cannot export a backwards or stateful LSTM');
  const gates = (t: tf.Tensor) => {
    const rows = t.shape[0]!;
    const columns = transposed(data(t), rows, 4 * units); // [4u, rows], tfjs gate order
    const block = (g: number) => columns.subarray(g * units * rows, (g + 1) * units * rows);
    const out = new Float32Array(columns.length);
    for (const [i, g] of [0, 3, 1, 2].entries()) out.set(block(g), i * units * rows);
    return { values: out, shape: [1, 4 * units, rows] };
  };
  const kernel = gates(w.get('kernel')!);
  const recurrent = gates(w.get('recurrent_kernel')!);
  const bias = new Float32Array(8 * units);
  const b = w.get('bias');
  if (b) {
    const values = data(b);
    for (const [i, g] of [0, 3, 1, 2].entries())
      bias.set(values.subarray(g * units, (g + 1) * units), i * units);
  }
  const names: Record<string, string> = { hardSigmoid: 'HardSigmoid', sigmoid: 'Sigmoid', tanh: 'Tanh' };
  const recurrentActivation = names[config.recurrentActivation as string];
  const cellActivation = names[config.activation as string];
  if (!recurrentActivation || !cellActivation)
    throw new Error(`cannot export LSTM activations ${config.recurrentActivation}/${config.activation}`);
  const hard = recurrentActivation === 'HardSigmoid';
  const sequences = graph.node('Transpose', [x], [attr.ints('perm', [1, 0, 2])])[0]!;
  const [y, yH] = graph.node(
    'LSTM',
    [
      sequences,
      graph.floats('lstm_kernel', kernel.values, kernel.shape),
      graph.floats('lstm_recurrent_kernel', recurrent.values, recurrent.shape),
      graph.floats('lstm_bias', bias, [1, 8 * units]),
    ],
    [
      attr.int('hidden_size', units),
      attr.strings('activations', [recurrentActivation, cellActivation, cellActivation]),
      ...(hard ? [attr.floats('activation_alpha', [0.2]), attr.floats('activation_beta', [0.5])] : []),
    ],
    2,
  );
  if (!config.returnSequences) return graph.node('Squeeze', [yH!, graph.int64s('axis0', [0])])[0]!;
  // Y is [length, directions, batch, units].
  const squeezed = graph.node('Squeeze', [y!, graph.int64s('axis1', [1])])[0]!;
  return graph.node('Transpose', [squeezed], [attr.ints('perm', [1, 0, 2])])[0]!;
}

/** layers.ts's post-norm encoder block: attention, residual, LayerNorm, ReLU feed-forward, residual, LayerNorm. */
function encoderBlock(
  graph: GraphBuilder,
  config: Record<string, unknown>,
  w: Map<string, tf.Tensor>,
  x: string,
): string {
  const heads = config.heads as number;
  const dim = w.get('query_kernel')!.shape[0]!;
  const depth = dim / heads;
  const linear = (input: string, name: string) =>
    dense(graph, input, w.get(`${name}_kernel`)!, w.get(`${name}_bias`), name);
  const norm = (input: string, name: string) =>
    graph.node(
      'LayerNormalization',
      [
        input,
        graph.floats(`${name}_gamma`, data(w.get(`${name}_gamma`)!), [dim]),
        graph.floats(`${name}_beta`, data(w.get(`${name}_beta`)!), [dim]),
      ],
      [attr.int('axis', -1), attr.float('epsilon', 1e-6)],
    )[0]!;
  const headShape = graph.int64s('head_shape', [0, 0, heads, depth]);
  const split = (t: string, perm: number[]) =>
    graph.node('Transpose', [graph.node('Reshape', [t, headShape])[0]!], [attr.ints('perm', perm)])[0]!;
  const q = split(linear(x, 'query'), [0, 2, 1, 3]);
  const k = split(linear(x, 'key'), [0, 2, 3, 1]); // kᵀ per head
  const v = split(linear(x, 'value'), [0, 2, 1, 3]);
  const scale = graph.floats('scale', Float32Array.of(Math.sqrt(depth)), []);
  const scores = graph.node('Div', [graph.node('MatMul', [q, k])[0]!, scale])[0]!;
  const probs = graph.node('Softmax', [scores], [attr.int('axis', -1)])[0]!;
  const context = graph.node(
    'Transpose',
    [graph.node('MatMul', [probs, v])[0]!],
    [attr.ints('perm', [0, 2, 1, 3])],
  )[0]!;
  const merged = graph.node('Reshape', [context, graph.int64s('merged_shape', [0, 0, dim])])[0]!;
  const h = norm(graph.node('Add', [x, linear(merged, 'output')])[0]!, 'norm1');
  const ff = linear(graph.node('Relu', [linear(h, 'ff1')])[0]!, 'ff2');
  return norm(graph.node('Add', [h, ff])[0]!, 'norm2');
}
