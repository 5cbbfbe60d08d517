import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { useBackend } from './backend.js';

it('stages that select the backend at once each get a ready one', async () => {
  // Two stages of one run (train and evaluate) start together and compute at once.
  const sums = await Promise.all(
    [1, 2, 3].map(async (n) => {
      await useBackend('wasm');
      return tf.tidy(() => tf.tensor1d([n, n]).sum().dataSync()[0]);
    }),
  );
  expect(sums).toEqual([2, 4, 6]);
  expect(tf.getBackend()).toBe('wasm');
});
