import { expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { stratifiedSplit, toDataset } from './dataset.js';
import { motifDataset, toySettings } from './fixtures.js';
import { trainModel } from './trainer.js';

it('says when training stops early, and which epoch it keeps and why', async () => {
  await useBackend('wasm');
  const { rows, classes, length, shape } = await motifDataset();
  const split = stratifiedSplit(rows.labels, 0.25, 1);
  const train = toDataset(rows, classes, length, split.train);
  const valid = toDataset(rows, classes, length, split.valid);
  // A large step overshoots soon: validation loss rises and patience 1 stops the run.
  const settings = { ...toySettings('cnn', 30), 'learning-rate': 0.1, patience: 1 };
  const run = async (epochs: number) => {
    const log: string[] = [];
    const hooks = {
      signal: new AbortController().signal,
      log: (m: string) => log.push(m),
      warn: (m: string) => log.push(`warning: ${m}`),
      status: () => {},
      fingerprint: '',
    };
    const result = await trainModel({ ...settings, epochs }, shape, train, valid, hooks);
    result.model.dispose();
    return { ...result, log };
  };
  const first = await run(30);
  const ran = first.history.length;
  expect(ran).toBeLessThan(30);
  const losses = first.history.map((h) => h.valLoss!);
  expect(first.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
  expect(first.log.filter((l) => l.includes('stopping early'))).toEqual([
    expect.stringMatching(new RegExp(`^epoch ${ran}/30 .* stopping early$`)),
    `stopping early after epoch ${ran} of 30: validation loss has not gone below epoch ${first.bestEpoch}'s ${losses[first.bestEpoch - 1]!.toFixed(4)} for 1 epochs (patience 1)`,
  ]);
  expect(first.log.at(-1)).toMatch(
    new RegExp(
      `^keeping the weights of epoch ${first.bestEpoch} of ${ran} run: the lowest validation loss \\(${losses[first.bestEpoch - 1]!.toFixed(4)}, `,
    ),
  );
  // The same training given exactly those epochs ends on its last one: nothing stops early.
  const exact = await run(ran);
  expect(exact.history.map((h) => h.valLoss)).toEqual(losses);
  expect(exact.log.some((l) => l.includes('stopping early'))).toBe(false);
  expect(exact.log.at(-1)).toContain(`keeping the weights of epoch ${first.bestEpoch} of ${ran} run`);
});

it('keeps the last epoch without validation rows, and says so', async () => {
  await useBackend('wasm');
  const { data, shape } = await motifDataset();
  const log: string[] = [];
  const hooks = {
    signal: new AbortController().signal,
    log: (m: string) => log.push(m),
    warn: (m: string) => log.push(`warning: ${m}`),
    status: () => {},
    fingerprint: '',
  };
  const { model, bestEpoch } = await trainModel(toySettings('cnn', 2), shape, data, null, hooks);
  model.dispose();
  expect(bestEpoch).toBe(2);
  expect(log.at(-1)).toBe(
    'keeping the weights of the last epoch (2): no validation rows to choose another by',
  );
});

it('warns when 3 epochs leave the loss no better than a constant classifier, and not when it learns', async () => {
  await useBackend('wasm');
  const { data, shape } = await motifDataset();
  const train = async (learningRate: number) => {
    const log: string[] = [];
    const hooks = {
      signal: new AbortController().signal,
      log: () => {},
      warn: (m: string) => log.push(m),
      status: () => {},
      fingerprint: '',
    };
    const settings = { ...toySettings('cnn', 3), 'learning-rate': learningRate };
    const { model, history } = await trainModel(settings, shape, data, null, hooks);
    model.dispose();
    return { log, losses: history.map((h) => h.loss) };
  };
  // Balanced class weights: the best constant classifier's loss is ln 2.
  const constant = Math.log(2);
  // A step too small to move any weight: the loss stays where it began.
  const stuck = await train(1e-9);
  expect(stuck.losses.at(-1)!).toBeGreaterThan(0.99 * constant);
  expect(stuck.log).toEqual([
    `training loss after 3 epochs is ${stuck.losses.at(-1)!.toFixed(4)}, no better than predicting the class shares for every row (0.6931): the model is not learning; try another learning-rate (now 1e-9) or model`,
  ]);
  const learning = await train(0.01);
  expect(learning.losses.at(-1)!).toBeLessThan(0.99 * constant);
  expect(learning.log).toEqual([]);
});
