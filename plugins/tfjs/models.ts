import * as tf from '@tensorflow/tfjs';
import {
  SeededDropout,
  SequencePooling,
  TokenAndPositionEmbedding,
  TransformerEncoderBlock,
} from './layers.js';

/** The architecture params of `tfjs.train`, as users write them. */
export interface ArchitectureParams {
  model: 'lstm' | 'cnn' | 'transformer';
  'embedding-dim': number;
  units: number;
  filters: number;
  'kernel-size': number;
  layers: number;
  heads: number;
  'ff-dim': number;
  dropout: number;
  pooling: 'cls' | 'mean';
  /** CNN: 0 pools each filter's maximum over the whole sequence; n > 0 keeps where it fired, max-pooling windows of n. */
  'pool-size': number;
  /** Units of a ReLU hidden layer (with dropout) before the softmax; 0 for none. */
  'dense-units': number;
}

/** What the data fixes: vocabulary, padded length and number of classes. */
export interface ModelShape {
  vocabSize: number;
  length: number;
  classes: number;
}

/**
 * Builds one of the three sequence classifiers over token ids [batch, length]:
 * Embedding → LSTM stack → Dense softmax; Embedding → Conv1D stack → global max pool (or
 * local max pool and flatten) → Dense; token+position embedding → transformer encoder
 * blocks → [CLS]/mean pool → Dense. Each may put a hidden ReLU layer before the softmax.
 * Every initialiser is seeded from `seed`, so one seed gives one model on one backend.
 */
export function buildModel(arch: ArchitectureParams, shape: ModelShape, seed: number): tf.Sequential {
  let next = seed;
  const seeded = () => tf.initializers.glorotUniform({ seed: next++ });
  const model = tf.sequential();
  const embedding = () =>
    tf.layers.embedding({
      inputShape: [shape.length],
      inputDim: shape.vocabSize,
      outputDim: arch['embedding-dim'],
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: next++ }),
    });
  switch (arch.model) {
    case 'lstm':
      model.add(embedding());
      for (let i = 0; i < arch.layers; i++) {
        model.add(
          tf.layers.lstm({
            units: arch.units,
            returnSequences: i < arch.layers - 1,
            kernelInitializer: seeded(),
            recurrentInitializer: tf.initializers.orthogonal({ seed: next++ }),
          }),
        );
      }
      break;
    case 'cnn':
      model.add(embedding());
      for (let i = 0; i < arch.layers; i++) {
        model.add(
          tf.layers.conv1d({
            filters: arch.filters,
            kernelSize: arch['kernel-size'],
            padding: 'same',
            activation: 'relu',
            kernelInitializer: seeded(),
          }),
        );
      }
      // Local pooling keeps coarse positions (a -35 box is not a -10 box), which global pooling throws away.
      if (arch['pool-size'] > 0) {
        model.add(tf.layers.maxPooling1d({ poolSize: arch['pool-size'], strides: arch['pool-size'] }));
        model.add(tf.layers.flatten());
      } else model.add(tf.layers.globalMaxPooling1d({}));
      break;
    case 'transformer':
      model.add(
        new TokenAndPositionEmbedding({
          inputShape: [shape.length],
          vocabSize: shape.vocabSize,
          maxLength: shape.length,
          dim: arch['embedding-dim'],
          seed: (next += 2) - 2,
        }),
      );
      for (let i = 0; i < arch.layers; i++) {
        model.add(
          new TransformerEncoderBlock({
            heads: arch.heads,
            ffDim: arch['ff-dim'],
            rate: arch.dropout,
            seed: (next += 6) - 6,
          }),
        );
      }
      model.add(new SequencePooling({ mode: arch.pooling }));
      break;
  }
  if (arch.dropout > 0) model.add(new SeededDropout({ rate: arch.dropout }));
  if (arch['dense-units'] > 0) {
    model.add(
      tf.layers.dense({ units: arch['dense-units'], activation: 'relu', kernelInitializer: seeded() }),
    );
    if (arch.dropout > 0) model.add(new SeededDropout({ rate: arch.dropout }));
  }
  model.add(tf.layers.dense({ units: shape.classes, activation: 'softmax', kernelInitializer: seeded() }));
  return model;
}
