import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { shiftRow } from './dataset.js';
import { motifDataset, silentHooks, toySettings } from './fixtures.js';
import { trainModel } from './trainer.js';

const shifted = (row: number[], leading: number, by: number) => {
  const out = new Int32Array(row.length + 4).fill(-1);
  shiftRow(Int32Array.from(row), leading, by, out, 2);
  return [...out];
};

describe('shift augmentation', () => {
  it('moves a row after its [CLS], fills with [PAD] and leaves the rest of the batch alone', () => {
    expect(shifted([2, 5, 6, 7, 8], 1, 0)).toEqual([-1, -1, 2, 5, 6, 7, 8, -1, -1]);
    expect(shifted([2, 5, 6, 7, 8], 1, 2)).toEqual([-1, -1, 2, 0, 0, 5, 6, -1, -1]);
    expect(shifted([2, 5, 6, 7, 8], 1, -1)).toEqual([-1, -1, 2, 6, 7, 8, 0, -1, -1]);
    expect(shifted([5, 6, 7, 8], 0, 1)).toEqual([-1, -1, 0, 5, 6, 7, -1, -1]);
    // Moved further than the row is long: only [CLS] and padding are left.
    expect(shifted([2, 5, 6], 1, 3)).toEqual([-1, -1, 2, 0, 0, -1, -1]);
    expect(shifted([2, 5, 6], 1, -5)).toEqual([-1, -1, 2, 0, 0, -1, -1]);
  });

  it('is drawn from the training seed: repeatable, and it changes what the model learns', async () => {
    await useBackend('wasm');
    const { data, shape } = await motifDataset();
    expect(data.leading).toBe(1);
    const weights = async (shift: number) => {
      const { model } = await trainModel(
        { ...toySettings('cnn', 2), shift },
        shape,
        data,
        null,
        silentHooks(),
      );
      const values = model.getWeights().map((w: tf.Tensor) => w.dataSync() as Float32Array);
      model.dispose();
      return values;
    };
    const once = await weights(3);
    expect(await weights(3)).toEqual(once);
    expect(await weights(0)).not.toEqual(once);
  });
});
