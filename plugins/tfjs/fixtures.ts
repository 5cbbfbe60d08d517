import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch, TokenizerSpec } from '../../src/plugin-api/index.js';
import { Rng } from '../../src/plugin-api/index.js';
import { sharedData } from '../../test/shared-data.js';
import { collectRows, toDataset } from './dataset.js';
import type { ArchitectureParams } from './models.js';
import type { TrainHooks, TrainSettings } from './trainer.js';

/**
 * Test and benchmark inputs: a tiny overlapping k-mer encoder in the kmer plugin's id
 * layout ([PAD] [UNK] [CLS] [SEP] [MASK], then k-mers in base-4 order) and FASTA reading.
 */
export interface LabelledSequence {
  id: string;
  seq: string;
  label?: string;
  invalid?: string;
}

const base: Record<string, number> = { A: 0, C: 1, G: 2, T: 3 };

export function kmerSpec(k: number, maxTokens: number): TokenizerSpec {
  return {
    kind: 'overlapping',
    k,
    stride: 1,
    maxTokens,
    truncate: 'tail',
    ambiguous: 'unk',
    addCls: true,
    vocabSize: 5 + 4 ** k,
  };
}

/**
 * Encodes sequences as [CLS] + overlapping k-mer ids, padded to the longest, `rows` per
 * batch (the spec's `maxTokens` is fixed, as a tokenizer's params would fix it).
 */
export function kmerBatches(
  sequences: LabelledSequence[],
  k: number,
  rows = 64,
  maxTokens = 128,
): TokenBatch[] {
  const length = Math.min(
    maxTokens,
    1 + Math.max(...sequences.map((s) => Math.max(0, s.seq.length - k + 1))),
  );
  const spec = kmerSpec(k, maxTokens);
  const batches: TokenBatch[] = [];
  for (let start = 0; start < sequences.length; start += rows) {
    const chunk = sequences.slice(start, start + rows);
    const ids = new Int32Array(chunk.length * length);
    chunk.forEach((s, r) => {
      ids[r * length] = 2;
      const seq = s.seq.toUpperCase();
      for (let i = 0; i + k <= seq.length && i + 1 < length; i++) {
        let id = 0;
        for (let j = 0; j < k && id >= 0; j++) {
          const b = base[seq[i + j]!];
          id = b === undefined ? -1 : id * 4 + b;
        }
        ids[r * length + 1 + i] = id < 0 ? 1 : 5 + id;
      }
    });
    const items = chunk.map(({ seq: _seq, ...item }) => item);
    batches.push({ ids, rows: chunk.length, length, spec, items });
  }
  return batches;
}

/** Random sequences; the `pos` class carries the motif TATAAT at a random position. */
export function motifSequences(n: number, length: number, seed: number): LabelledSequence[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    let seq = Array.from({ length }, () => 'ACGT'[rng.below(4)]).join('');
    const label = i % 2 ? 'pos' : 'neg';
    if (label === 'pos') {
      const at = rng.below(length - 6);
      seq = seq.slice(0, at) + 'TATAAT' + seq.slice(at + 6);
    }
    return { id: `s${i}`, seq, label };
  });
}

/** Records of a FASTA file, each given `label`. */
/** Small models that train in a second on the toy set. */
const toyArchitecture: ArchitectureParams = {
  model: 'cnn',
  'embedding-dim': 16,
  units: 16,
  filters: 16,
  'kernel-size': 5,
  layers: 1,
  heads: 2,
  'ff-dim': 32,
  dropout: 0.1,
  pooling: 'cls',
  'pool-size': 0,
  'dense-units': 0,
};

export function toySettings(model: ArchitectureParams['model'], epochs: number): TrainSettings {
  return {
    ...toyArchitecture,
    model,
    epochs,
    'batch-size': 32,
    'learning-rate': 0.01,
    patience: 0,
    'class-weight': 'balanced',
    seed: 3,
    shift: 0,
  };
}

/** `tfjs.train` params of a small seeded CNN that learns the motif set in seconds (stage tests). */
export const smallCnnTrainParams = {
  model: 'cnn',
  'embedding-dim': 16,
  filters: 16,
  'kernel-size': 5,
  epochs: 3,
  'batch-size': 16,
  'learning-rate': 0.005,
  patience: 0,
  'validation-split': 0.25,
  seed: 9,
  backend: 'wasm',
};

/**
 * Embedding (6 dims) -> Conv1D (5 filters) -> global max pool -> softmax of 3, with random
 * weights larger than initial ones: the model the Embedding -> Conv1D fold is checked on.
 */
export function embeddingConvModel(
  kernelSize: number,
  padding: 'same' | 'valid',
  activation: 'relu' | 'linear',
  useBias: boolean,
  vocab = 23,
  length = 11,
) {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputShape: [length], inputDim: vocab, outputDim: 6 }));
  model.add(tf.layers.conv1d({ filters: 5, kernelSize, padding, activation, useBias }));
  model.add(tf.layers.globalMaxPooling1d({}));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  // Larger than initial weights, so that a wrong tap or offset changes the output visibly.
  return withRandomWeights(model, 5);
}

/** `model` with every weight drawn uniformly from -1 … 1 (seeded): a wrong gate, axis or tap shows. */
export function withRandomWeights<M extends tf.LayersModel>(model: M, seed: number): M {
  const rng = new Rng(seed);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        w.dataSync().map(() => rng.next() * 2 - 1),
        w.shape,
      ),
    ),
  );
  return model;
}

/** Training hooks that log nothing and are never aborted. */
export function silentHooks(): TrainHooks {
  return {
    signal: new AbortController().signal,
    log: () => {},
    warn: () => {},
    status: () => {},
    fingerprint: '',
  };
}

/** The models' toy set: 160 sequences of 30 bp as 3-mers, the positive class carrying TATAAT (separable). */
export async function motifDataset() {
  const batches = kmerBatches(motifSequences(160, 30, 5), 3);
  const length = batches[0]!.length;
  const rows = (await collectRows(batches, new AbortController().signal))!;
  const classes = ['neg', 'pos'];
  const data = toDataset(rows, classes, length);
  const shape = { vocabSize: kmerSpec(3, length).vocabSize, length, classes: classes.length };
  return { length, rows, classes, data, shape };
}

function readFasta(path: string, label: string): LabelledSequence[] {
  const out: LabelledSequence[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('>')) out.push({ id: line.slice(1).trim(), seq: '', label });
    else if (out.length) out[out.length - 1]!.seq += line.trim();
  }
  return out;
}

/** The CNNProm B. subtilis set (shared data): 373 promoters, then 1,000 non-promoters, 81 bp. */
export function bacillusPromoters(): LabelledSequence[] {
  return [
    ...readFasta(sharedData('ml/cnnprom/Bacillus_prom.fa'), 'promoter'),
    ...readFasta(sharedData('ml/cnnprom/Bacillus_non_prom.fa'), 'non-promoter'),
  ];
}

/**
 * The CNN setting for the B. subtilis promoter set (81 bp), after CNNProm: single-base
 * tokens, one convolution of width 11, local max pooling, a dense hidden layer with dropout;
 * an ensemble of 5 seeds (stage 3 of bench/ml/bacillus-search.md) trained on rows shifted by
 * up to 3 bases (stage 4).
 */
export type BacillusSettings = TrainSettings & { ensemble: number };

export const bacillusSettings: BacillusSettings = {
  model: 'cnn',
  'embedding-dim': 8,
  units: 32,
  filters: 100,
  'kernel-size': 11,
  layers: 1,
  heads: 2,
  'ff-dim': 32,
  dropout: 0.5,
  pooling: 'mean',
  'pool-size': 8,
  'dense-units': 128,
  epochs: 40,
  'batch-size': 32,
  'learning-rate': 0.001,
  patience: 6,
  'class-weight': 'balanced',
  seed: 1,
  shift: 3,
  ensemble: 5,
};
