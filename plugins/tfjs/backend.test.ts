import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { currentBackend, envBackend, useBackend } from './backend.js';

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

it('the environment takes the names of --backend and the stage params', async () => {
  const before = process.env.GENOFLOW_TF_BACKEND;
  try {
    process.env.GENOFLOW_TF_BACKEND = 'cpu';
    expect(envBackend()).toBe('cpu');
    expect(await useBackend('auto')).toBe('cpu');
    // onnx only picks what predicts: tfjs itself stays on its own choice.
    process.env.GENOFLOW_TF_BACKEND = 'onnx';
    expect(envBackend()).toBe('onnx');
    expect(await useBackend('wasm')).toBe('wasm');
    expect(currentBackend()).toBe('wasm');
    process.env.GENOFLOW_TF_BACKEND = 'tensorflow';
    expect(() => envBackend()).toThrow(
      'GENOFLOW_TF_BACKEND="tensorflow": expected one of auto, node, wasm, cpu, onnx',
    );
  } finally {
    if (before === undefined) delete process.env.GENOFLOW_TF_BACKEND;
    else process.env.GENOFLOW_TF_BACKEND = before;
  }
});
