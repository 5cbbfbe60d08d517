import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPool,
  mapInOrder,
  type Prediction,
  type StageContext,
  type TokenBatch,
  workerFile,
} from '../../src/plugin-api/index.js';
import { type Bundle, bundleFiles, onnxFile, readBundle, taskFile } from './bundle.js';
import { fitRow, specDifferences } from './dataset.js';
import { createEnsemblePredictor, type Predictor } from './inference.js';
import { recordInferenceBackend, useInferenceBackend } from './inference-backend.js';
import { createExplainer } from './interpret/top-substitution.js';
import { type SharedModel, shareModel } from './model-artifacts.js';
import { bundleOnnx } from './onnx-export.js';
import type { OnnxPredictTask } from './onnx-predict-worker.js';
import { createOnnxPredictor, type OnnxPredictor } from './onnx-runtime.js';
import { predictThreads, predictWorker, tinyRows } from './pooled-inference.js';
import type { PredictParams } from './predict.js';
import type { PredictTask } from './predict-worker.js';
import type { ModelRecord } from './train-run.js';

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
  const bundle = await readBundle(path);
  for (const file of bundleFiles(bundle.models.length)) ctx.declareInputFile(join(path, file));
  if (bundle.onnx) ctx.declareInputFile(join(path, onnxFile));
  if (existsSync(join(path, taskFile))) ctx.declareInputFile(join(path, taskFile));
  return { path, bundle };
}

interface Prepared {
  batch: TokenBatch;
  /** The batch's rows that are not invalid. */
  valid: number[];
  /** Valid rows, whose ids `ids` holds fitted to the model's length. */
  rows: number;
  ids: Int32Array;
  /** A copy of `ids` for explaining, kept here while `ids` goes to a worker. */
  explainIds?: Int32Array;
}

export async function* run(ctx: StageContext<PredictParams>) {
  const backend = await useInferenceBackend(ctx.params.backend);
  await recordInferenceBackend(ctx, backend);
  const { path, bundle } = await loadModelFor(ctx, ctx.params.model);
  const { models, classes, spec } = bundle;
  const length = bundle.training.length;
  const batchSize = ctx.params['batch-size'];
  const k = classes.length;
  const scored = ctx.params.positive ?? bundle.positive;
  const scoredIndex = classes.indexOf(scored);
  if (scoredIndex < 0)
    throw new Error(
      `${path}: the model has no class "${scored}" to score: its labels are ${classes.join(', ')} (positive class ${bundle.positive}); train one on ${scored}-labelled data`,
    );
  async function* prepared(): AsyncGenerator<Prepared> {
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
      yield {
        batch,
        valid,
        rows: valid.length,
        ids,
        explainIds: ctx.params.explain ? ids.slice() : undefined,
      };
    }
  }
  const explainer = ctx.params.explain
    ? createExplainer(models, spec, length, scoredIndex, batchSize, `${ctx.stageName}: ${path}`)
    : undefined;
  if (explainer) ctx.log.info(`explain: ${explainer.fast ? 'fast' : 'naive'} ISM of every window`);
  let inline: Predictor | undefined;
  let shared: SharedModel[] | undefined;
  let onnx: OnnxPredictor | undefined;
  // Probabilities in input order: onnxruntime threads itself; tfjs on wasm or cpu predicts on workers.
  async function* predicted(): AsyncGenerator<{ input: Prepared; result: Float32Array }> {
    if (backend === 'onnx') {
      const model = bundleOnnx(bundle, path, ctx.log);
      const options = { length, classes: k, batchSize };
      if (ctx.threads === 0) {
        onnx = await createOnnxPredictor(model, { ...options, threads: 1 });
        for await (const input of prepared())
          yield { input, result: await onnx.predict(input.ids, input.rows) };
        return;
      }
      // Sessions in workers, so that this thread reads and writes records meanwhile.
      const shared = new SharedArrayBuffer(model.byteLength);
      new Uint8Array(shared).set(model);
      const key = `${process.pid}:${path}:${Date.now()}`;
      const pool = createPool<OnnxPredictTask, Float32Array>({
        worker: workerFile(import.meta.url, './onnx-predict-worker.js'),
        threads: ctx.threads,
        signal: ctx.signal,
      });
      yield* pool.map(prepared(), ({ ids, rows }) => ({
        task: { key, model: shared, ...options, ids, rows },
        transfer: [ids.buffer as ArrayBuffer],
      }));
      return;
    }
    const threads = predictThreads(backend, ctx.threads);
    if (threads > 0) shared = await Promise.all(models.map(shareModel));
    yield* mapInOrder<Prepared, PredictTask, Float32Array>(prepared(), {
      worker: predictWorker(),
      threads,
      signal: ctx.signal,
      isTiny: (first) => first.rows < tinyRows,
      describe: ({ batch }) => `rows ${batch.items[0]?.id ?? ''}…${batch.items.at(-1)?.id ?? ''}`,
      inline: ({ ids, rows }) => {
        inline ??= createEnsemblePredictor(models, length, batchSize);
        return inline.predict(ids, rows);
      },
      toTask: ({ ids, rows }) => ({
        task: { models: shared!, backend, length, batchSize, ids, rows },
        transfer: [ids.buffer as ArrayBuffer],
      }),
    });
  }
  try {
    for await (const { input, result: probs } of predicted()) {
      const batch = input.batch;
      // From the copy: the ids themselves may have gone to a worker.
      const explained = explainer?.explain(batch, input.valid, input.explainIds!);
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
            ...(explainer && { top_pos: Number.NaN, top_delta: Number.NaN }),
            predicted: '',
            probabilities: new Array<number>(k).fill(Number.NaN),
            score: Number.NaN,
          } as Prediction;
          continue;
        }
        const p = Array.from(probs.subarray(next * k, (next + 1) * k));
        const explanation = explained?.[next];
        next++;
        let best = 0;
        for (let c = 1; c < k; c++) if (p[c]! > p[best]!) best = c;
        yield {
          ...base,
          ...explanation,
          predicted: classes[best]!,
          probabilities: p,
          score: p[scoredIndex]!,
        } as Prediction;
      }
    }
  } finally {
    inline?.dispose();
    await onnx?.dispose();
    for (const model of models) model.dispose();
  }
}
