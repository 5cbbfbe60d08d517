import * as tf from '@tensorflow/tfjs';

/**
 * Custom layers of the transformer encoder (tf.layers has no attention and its
 * LayerNormalization gradient is a JS loop of thousands of tiny ops), plus a dropout whose
 * masks come from the trainer's seeded stream so that a run can be repeated and resumed.
 * Each is registered for (de)serialisation under a `Genoflow` class name.
 */

type Kwargs = Record<string, unknown>;
type LayerArgs = { name?: string; trainable?: boolean; inputShape?: number[] };

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/**
 * Where dropout masks get their seeds; the trainer replaces `next` with its seeded RNG. A
 * worker that trains on rows `offset`… of a batch of `rows` sets `part`: its masks are then
 * those rows of the whole batch's masks, so a split batch drops what the whole one does.
 */
export const dropoutSeeds: { next(): number; part?: { rows: number; offset: number } } = {
  next: () => Math.floor(Math.random() * 2 ** 31),
};

function dropout(x: tf.Tensor, rate: number, kwargs: Kwargs): tf.Tensor {
  if (!kwargs.training || rate <= 0) return x;
  const part = dropoutSeeds.part;
  if (!part) return tf.dropout(x, rate, undefined, dropoutSeeds.next());
  const whole = tf.dropout(tf.ones([part.rows, ...x.shape.slice(1)]), rate, undefined, dropoutSeeds.next());
  return tf.mul(x, tf.slice(whole, part.offset, x.shape[0]));
}

/** Dropout at training time with masks from `dropoutSeeds`; identity at inference. */
export class SeededDropout extends tf.layers.Layer {
  static className = 'GenoflowSeededDropout';
  readonly rate: number;
  constructor(config: LayerArgs & { rate: number }) {
    super(config);
    this.rate = config.rate;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => dropout(single(inputs), this.rate, kwargs));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

/** Token embedding plus a learned position embedding: ids [b, len] → [b, len, dim]. */
export class TokenAndPositionEmbedding extends tf.layers.Layer {
  static className = 'GenoflowTokenAndPositionEmbedding';
  readonly vocabSize: number;
  readonly maxLength: number;
  readonly dim: number;
  readonly seed: number;
  private tokens!: tf.LayerVariable;
  private positions!: tf.LayerVariable;
  constructor(config: LayerArgs & { vocabSize: number; maxLength: number; dim: number; seed: number }) {
    super(config);
    this.vocabSize = config.vocabSize;
    this.maxLength = config.maxLength;
    this.dim = config.dim;
    this.seed = config.seed;
  }
  override build(): void {
    const init = (seed: number) => tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed });
    this.tokens = this.addWeight('tokens', [this.vocabSize, this.dim], 'float32', init(this.seed));
    this.positions = this.addWeight('positions', [this.maxLength, this.dim], 'float32', init(this.seed + 1));
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...(inputShape as tf.Shape), this.dim];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = tf.cast(single(inputs), 'int32');
      const length = ids.shape[1]!;
      const positions = tf.slice(this.positions.read(), [0, 0], [length, this.dim]);
      return tf.add(tf.gather(this.tokens.read(), ids), positions);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      vocabSize: this.vocabSize,
      maxLength: this.maxLength,
      dim: this.dim,
      seed: this.seed,
    };
  }
}

/** x · w + b over the last axis of a rank-3 tensor. */
function dense3d(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [batch, length, width] = x.shape as [number, number, number];
  const out = tf.add(tf.matMul(tf.reshape(x, [batch * length, width]), w), b);
  return tf.reshape(out, [batch, length, w.shape[1]!]);
}

/** Layer normalisation over the last axis written with broadcasting ops (fast gradient). */
function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-6))), gamma), beta);
}

/**
 * One post-norm transformer encoder block: multi-head self-attention and a ReLU
 * feed-forward network, each with dropout, a residual connection and LayerNorm.
 */
export class TransformerEncoderBlock extends tf.layers.Layer {
  static className = 'GenoflowTransformerEncoderBlock';
  readonly heads: number;
  readonly ffDim: number;
  readonly rate: number;
  readonly seed: number;
  private w: Record<string, tf.LayerVariable> = {};
  constructor(config: LayerArgs & { heads: number; ffDim: number; rate: number; seed: number }) {
    super(config);
    this.heads = config.heads;
    this.ffDim = config.ffDim;
    this.rate = config.rate;
    this.seed = config.seed;
  }
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const dim = (inputShape as tf.Shape)[2]!;
    if (dim % this.heads) throw new Error(`embedding-dim ${dim} is not a multiple of heads ${this.heads}`);
    let seed = this.seed;
    const kernel = (name: string, shape: number[]) =>
      (this.w[name] = this.addWeight(
        name,
        shape,
        'float32',
        tf.initializers.glorotUniform({ seed: seed++ }),
      ));
    const constant = (name: string, size: number, value: number) =>
      (this.w[name] = this.addWeight(name, [size], 'float32', tf.initializers.constant({ value })));
    for (const name of ['query', 'key', 'value', 'output']) {
      kernel(`${name}_kernel`, [dim, dim]);
      constant(`${name}_bias`, dim, 0);
    }
    kernel('ff1_kernel', [dim, this.ffDim]);
    constant('ff1_bias', this.ffDim, 0);
    kernel('ff2_kernel', [this.ffDim, dim]);
    constant('ff2_bias', dim, 0);
    for (const norm of ['norm1', 'norm2']) {
      constant(`${norm}_gamma`, dim, 1);
      constant(`${norm}_beta`, dim, 0);
    }
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const v = (name: string) => this.w[name]!.read();
      const attended = dropout(this.attention(x, v), this.rate, kwargs);
      const h = layerNorm(tf.add(x, attended), v('norm1_gamma'), v('norm1_beta'));
      const ff = dense3d(tf.relu(dense3d(h, v('ff1_kernel'), v('ff1_bias'))), v('ff2_kernel'), v('ff2_bias'));
      return layerNorm(tf.add(h, dropout(ff, this.rate, kwargs)), v('norm2_gamma'), v('norm2_beta'));
    });
  }
  private attention(x: tf.Tensor, v: (name: string) => tf.Tensor): tf.Tensor {
    const [batch, length, dim] = x.shape as [number, number, number];
    const depth = dim / this.heads;
    const split = (t: tf.Tensor) =>
      tf.transpose(tf.reshape(t, [batch, length, this.heads, depth]), [0, 2, 1, 3]);
    const q = split(dense3d(x, v('query_kernel'), v('query_bias')));
    const k = split(dense3d(x, v('key_kernel'), v('key_bias')));
    const values = split(dense3d(x, v('value_kernel'), v('value_bias')));
    const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(depth));
    const context = tf.matMul(tf.softmax(scores), values);
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, length, dim]);
    return dense3d(merged, v('output_kernel'), v('output_bias'));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, ffDim: this.ffDim, rate: this.rate, seed: this.seed };
  }
}

/** [b, len, dim] → [b, dim]: the first ([CLS]) position, or the mean over positions. */
export class SequencePooling extends tf.layers.Layer {
  static className = 'GenoflowSequencePooling';
  readonly mode: 'cls' | 'mean';
  constructor(config: LayerArgs & { mode: 'cls' | 'mean' }) {
    super(config);
    this.mode = config.mode;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    return [shape[0]!, shape[2]!];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      if (this.mode === 'mean') return tf.mean(x, 1);
      const [batch, , dim] = x.shape as [number, number, number];
      return tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, dim]), [batch, dim]);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}

for (const layer of [SeededDropout, TokenAndPositionEmbedding, TransformerEncoderBlock, SequencePooling]) {
  tf.serialization.registerClass(layer);
}
