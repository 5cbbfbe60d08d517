import type * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/plugin-api/index.js';
import { useBackend } from '../backend.js';
import { kmerBatches } from '../fixtures.js';
import { predictProbabilities } from '../inference.js';
import { type ArchitectureParams, buildModel } from '../models.js';
import { canFastIsm, fastIsm, type IsmInput, naiveIsm } from './ism.js';
import { basesRow, rowBases, rowLayout } from './token-bases.js';

const k = 3;
const rng = new Rng(5);
const sequences = Array.from({ length: 4 }, (_, i) => ({
  id: `s${i}`,
  seq: Array.from({ length: 24 }, () => 'ACGT'[rng.below(4)]).join(''),
}));
// An N: the three k-mers over it are [UNK], and it is not mutated.
sequences[1]!.seq = `${sequences[1]!.seq.slice(0, 10)}N${sequences[1]!.seq.slice(11)}`;
const [batch] = kmerBatches(sequences, k, 8);
const length = batch!.length;
const shape = { vocabSize: 5 + 4 ** k, length, classes: 2 };
const base: ArchitectureParams = {
  model: 'cnn',
  'embedding-dim': 8,
  units: 8,
  filters: 12,
  'kernel-size': 5,
  layers: 1,
  heads: 2,
  'ff-dim': 16,
  dropout: 0,
  pooling: 'mean',
  'pool-size': 0,
  'dense-units': 0,
};

function ismInput(): IsmInput {
  const layout = rowLayout(batch!.spec, length, 'test');
  const bases = sequences.map((_, r) => rowBases(batch!.ids.subarray(r * length, (r + 1) * length), layout));
  return { ids: batch!.ids, bases, layout, classIndex: 1, batchSize: 16 };
}

/** Every mutant spelled out, tokenized by the fixtures' own encoder and predicted. */
function bruteForce(model: tf.LayersModel): Map<string, number> {
  const mutants: { id: string; seq: string }[] = [];
  for (const { id, seq } of sequences) {
    for (let pos = 0; pos < seq.length; pos++) {
      if (seq[pos] === 'N') continue;
      for (const alt of 'ACGT') {
        if (alt !== seq[pos])
          mutants.push({ id: `${id}:${pos}:${alt}`, seq: seq.slice(0, pos) + alt + seq.slice(pos + 1) });
      }
    }
  }
  const scores = new Map<string, number>();
  for (const b of kmerBatches(mutants, k, 64)) {
    const probs = predictProbabilities([model], b.ids, b.rows, length, 64);
    for (const [r, item] of b.items.entries()) scores.set(item.id, probs[r * 2 + 1]!);
  }
  return scores;
}

function expectEqualToBruteForce(model: tf.LayersModel, ism: ReturnType<typeof naiveIsm>) {
  const brute = bruteForce(model);
  let compared = 0;
  let largest = 0;
  sequences.forEach(({ id, seq }, r) => {
    for (let pos = 0; pos < seq.length; pos++) {
      for (let b = 0; b < 4; b++) {
        const value = ism[r]!.alt[pos * 4 + b]!;
        if (seq[pos] === 'N') expect(value).toBeNaN();
        else if ('ACGT'[b] === seq[pos]) expect(value).toBe(ism[r]!.ref);
        else {
          expect(Math.abs(value - brute.get(`${id}:${pos}:${'ACGT'[b]}`)!)).toBeLessThan(1e-6);
          compared++;
          largest = Math.max(largest, Math.abs(value - ism[r]!.ref));
        }
      }
    }
  });
  expect(compared).toBe(3 * (4 * 24 - 1));
  // The substitutions move the score well above the tolerance: the comparison can fail.
  expect(largest).toBeGreaterThan(1e-4);
}

describe('token rows and bases', () => {
  it('a row decodes to its bases and encodes back, an N standing for its [UNK] k-mers', () => {
    const layout = rowLayout(batch!.spec, length, 'test');
    const row = batch!.ids.subarray(length, 2 * length);
    const bases = rowBases(row, layout);
    expect(Array.from(bases, (b) => 'ACGTN'[b]).join('')).toBe(sequences[1]!.seq);
    expect(Array.from(basesRow(bases, layout))).toEqual(Array.from(row));
  });

  it('non-overlapping k-mers are refused, saying why', () => {
    expect(() => rowLayout({ ...batch!.spec, kind: 'non-overlapping', stride: k }, length, 'm')).toThrow(
      "m: interpretation maps tokens back to bases, which needs overlapping stride-1 k-mers or single bases with ambiguous: unk; the model's tokenizer is non-overlapping k=3 stride=3 ambiguous=unk",
    );
  });
});

describe('in-silico mutagenesis', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  for (const arch of ['cnn', 'lstm', 'transformer'] as const) {
    it(`naive ISM of a ${arch} equals predicting every mutated sequence`, () => {
      const model = buildModel({ ...base, model: arch }, shape, 11);
      expectEqualToBruteForce(model, naiveIsm([model], ismInput()));
      expect(canFastIsm(model)).toBe(arch === 'cnn');
      model.dispose();
    });
  }

  for (const variant of [
    { name: 'global max pool', arch: {} },
    {
      name: 'two convolutions, local pooling, a hidden layer',
      arch: { layers: 2, 'pool-size': 4, 'dense-units': 6 },
    },
  ]) {
    it(`fast ISM of a CNN (${variant.name}) equals naive ISM and brute force`, () => {
      const model = buildModel({ ...base, ...variant.arch }, shape, 3);
      const input = ismInput();
      const naive = naiveIsm([model], input);
      const fast = fastIsm([model], input);
      naive.forEach((row, r) => {
        expect(fast[r]!.ref).toBe(row.ref);
        row.alt.forEach((v, i) => {
          if (Number.isNaN(v)) expect(fast[r]!.alt[i]).toBeNaN();
          else expect(Math.abs(fast[r]!.alt[i]! - v)).toBeLessThan(1e-6);
        });
      });
      expectEqualToBruteForce(model, fast);
      model.dispose();
    });
  }
});
