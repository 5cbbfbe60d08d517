import { join } from 'node:path';
import { defineStage, type Prediction, type TokenBatch, z } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';
import { type Bundle, bundleFiles, readBundle } from './bundle.js';
import { fitRow, specDifferences } from './dataset.js';
import { predictProbabilities } from './inference.js';
import { backendParam } from './params.js';
import type { ModelRecord } from './train.js';

/** Loads the bundle named by the `model` input (a trained model record) or the `model` param. */
export async function loadModelFor(
  ctx: {
    inputs: Readonly<Record<string, AsyncIterable<unknown>>>;
    resolvePath(p: string): string;
    declareInputFile(p: string): void;
  },
  param: string | undefined,
): Promise<{ path: string; bundle: Bundle }> {
  let path: string | undefined;
  if (ctx.inputs.model) {
    for await (const record of ctx.inputs.model) path ??= (record as ModelRecord).path;
  }
  path ??= param === undefined ? undefined : ctx.resolvePath(param);
  if (!path) throw new Error('no model: connect a `model` input or set the `model` param to a bundle folder');
  for (const file of bundleFiles) ctx.declareInputFile(join(path, file));
  return { path, bundle: await readBundle(path) };
}

export const predict = defineStage({
  description: 'Class probabilities and predicted label of every token-batch row, by a model bundle',
  params: z.strictObject({
    model: z.string().optional(),
    'batch-size': z.coerce.number().int().positive().default(256),
    backend: backendParam,
  }),
  inputs: { in: 'token-batch', model: 'model?' },
  output: 'prediction',
  async *run(ctx) {
    const backend = await useBackend(ctx.params.backend);
    ctx.log.info(`tfjs backend: ${backend}`);
    ctx.progress.count(`backend-${backend}`);
    const { path, bundle } = await loadModelFor(ctx, ctx.params.model);
    const { model, classes, spec } = bundle;
    const length = bundle.training.length;
    const k = classes.length;
    try {
      for await (const record of ctx.inputs.in!) {
        ctx.signal.throwIfAborted();
        const batch = record as TokenBatch;
        const differences = specDifferences(spec, batch.spec);
        if (differences.length) {
          throw new Error(
            `${path}: the model was trained with another tokenizer than its input: ${differences.join('; ')}`,
          );
        }
        const valid = batch.items.flatMap((item, r) => (item.invalid ? [] : [r]));
        const ids = new Int32Array(valid.length * length);
        for (const [i, r] of valid.entries()) {
          ids.set(fitRow(batch.ids.subarray(r * batch.length, (r + 1) * batch.length), length), i * length);
        }
        const probs = predictProbabilities(model, ids, valid.length, length, ctx.params['batch-size']);
        let next = 0;
        for (let r = 0; r < batch.rows; r++) {
          const item = batch.items[r]!;
          const base: Pick<Prediction, 'id' | 'classes'> & Partial<Prediction> = { id: item.id, classes };
          if (item.label !== undefined) base.label = item.label;
          if (item.source !== undefined) base.source = item.source;
          if (item.invalid) {
            ctx.progress.count('invalid');
            yield {
              ...base,
              predicted: '',
              probabilities: new Array<number>(k).fill(Number.NaN),
              score: Number.NaN,
            } as Prediction;
            continue;
          }
          const p = Array.from(probs.subarray(next * k, (next + 1) * k));
          next++;
          let best = 0;
          for (let c = 1; c < k; c++) if (p[c]! > p[best]!) best = c;
          yield { ...base, predicted: classes[best]!, probabilities: p, score: p[k - 1]! } as Prediction;
        }
      }
    } finally {
      model.dispose();
    }
  },
});
