import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { StageContext } from '../../src/plugin-api/index.js';
import { collectRows, stratifiedFolds, stratifiedSplit, toDataset } from './dataset.js';
import { trainEnsemble } from './ensemble.js';
import type { EvaluateParams } from './evaluate.js';
import { argMaxRows } from './inference.js';
import { recordInferenceBackend, useInferenceBackend } from './inference-backend.js';
import { classificationMetrics, type Metrics, summariseFolds } from './metrics.js';
import { bundleOnnx, toOnnx } from './onnx-export.js';
import { predictOnnx } from './onnx-runtime.js';
import { predictInWorkers } from './pooled-inference.js';
import { loadModelFor } from './predict-run.js';
import { foldsTsv, metricsTable, metricsTsv } from './report.js';
import { confusionMatrixChart, curveCharts, foldsTable, metricsTables } from './report-charts.js';

/** Port `metrics`: a model's scores on labelled rows, or the cross-validation summary. */
export interface MetricsRecord {
  model: string;
  metrics?: Metrics;
  folds?: Metrics[];
  summary?: Record<string, { mean: number; sd: number } | null>;
}

/**
 * What `metrics.json` holds: the headline metrics at the top level (`accuracy`, `f1`,
 * `mcc`, `roc_auc`, ...; for cross-validation their means, with `sd` beside them), then
 * the details. The model's path is relative to the file's folder, so a moved results
 * folder still says where its model is.
 */
function metricsFile(record: MetricsRecord, dir: string): Record<string, unknown> {
  const model = relative(dir, record.model) || '.';
  if (record.metrics) return { model, ...record.metrics };
  const means = Object.fromEntries(
    Object.entries(record.summary ?? {}).map(([k, v]) => [k, v?.mean ?? null]),
  );
  const sd = Object.fromEntries(Object.entries(record.summary ?? {}).map(([k, v]) => [k, v?.sd ?? null]));
  return { model, ...means, sd, folds: record.folds };
}

/**
 * Writes `out/metrics.json` (see `metricsFile`) and `out/metrics.tsv` (see report.ts) —
 * `out` is a directory — and prints a table to stderr. With `folds: K` (K ≥ 2) the
 * bundle's model is not scored; instead K models (K ensembles, for an ensemble bundle) are
 * re-trained with its training params on stratified folds of `in`, and each fold's metrics
 * plus their mean and sd are reported.
 */
export async function* run(ctx: StageContext<EvaluateParams>) {
  const backend = await useInferenceBackend(ctx.params.backend);
  await recordInferenceBackend(ctx, backend);
  const { path, bundle } = await loadModelFor(ctx, undefined);
  const rows = await collectRows(ctx.inputs.in!, ctx.signal);
  if (!rows?.ids.length) throw new Error(`stage ${ctx.stageName}: no labelled, valid rows to evaluate on`);
  if (rows.skipped.invalid) ctx.progress.count('skipped-invalid', rows.skipped.invalid);
  if (rows.skipped.unlabelled) ctx.progress.count('skipped-unlabelled', rows.skipped.unlabelled);
  const { classes, training } = bundle;
  const length = training.length;
  // The bundle's model.onnx (`onnx` null) or the re-trained models of a fold, on the chosen backend.
  const probabilitiesOf = (
    models: tf.LayersModel[],
    onnx: Uint8Array | null,
    ids: Int32Array,
    rows: number,
  ) => {
    const batchSize = ctx.params['batch-size'];
    if (backend !== 'onnx')
      return predictInWorkers(models, ids, rows, length, batchSize, {
        backend,
        threads: ctx.threads,
        signal: ctx.signal,
      });
    const options = { length, classes: classes.length, batchSize, threads: ctx.threads };
    return predictOnnx(onnx ?? toOnnx(models, bundle), ids, rows, options);
  };
  const outDir = ctx.resolvePath(ctx.params.out);
  await mkdir(outDir, { recursive: true });
  let record: MetricsRecord;
  if (ctx.params.folds < 2) {
    const data = toDataset(rows, classes, length);
    const onnx = backend === 'onnx' ? bundleOnnx(bundle, path, ctx.log) : null;
    const probs = await probabilitiesOf(bundle.models, onnx, data.ids, data.rows);
    const metrics = classificationMetrics(classes, data.labels, argMaxRows(probs, classes.length), probs);
    for (const line of metricsTable(metrics)) ctx.log.info(line);
    const [headline, perClass] = metricsTables(metrics);
    for (const section of [
      headline,
      confusionMatrixChart(metrics),
      ...curveCharts(metrics, data.labels, probs),
      perClass,
    ])
      ctx.report(section);
    record = { model: path, metrics };
    await writeFile(join(outDir, 'metrics.tsv'), metricsTsv(metrics));
  } else {
    const { 'validation-split': validationSplit, ensemble, ...settings } = training.params;
    const folds = stratifiedFolds(rows.labels, ctx.params.folds, settings.seed);
    const results: Metrics[] = [];
    for (const [f, test] of folds.entries()) {
      const rest = folds.flatMap((fold, i) => (i === f ? [] : fold)).sort((a, b) => a - b);
      const split = stratifiedSplit(
        rest.map((r) => rows.labels[r]!),
        validationSplit,
        settings.seed,
      );
      const trainSet = toDataset(
        rows,
        classes,
        length,
        split.train.map((i) => rest[i]!),
      );
      const validSet = split.valid.length
        ? toDataset(
            rows,
            classes,
            length,
            split.valid.map((i) => rest[i]!),
          )
        : null;
      const testSet = toDataset(rows, classes, length, test);
      const shape = { vocabSize: bundle.spec.vocabSize, length, classes: classes.length };
      const members = await trainEnsemble(settings, ensemble, shape, trainSet, validSet, {
        signal: ctx.signal,
        log: (m) => ctx.log.info(`fold ${f + 1}/${folds.length}: ${m}`),
        warn: (m) => ctx.log.warn(`fold ${f + 1}/${folds.length}: ${m}`),
        status: (m) => ctx.progress.status(`fold ${f + 1}/${folds.length}: ${m}`),
        fingerprint: '',
        threads: ctx.threads,
      });
      const models = members.map((m) => m.model);
      const probs = await probabilitiesOf(models, null, testSet.ids, testSet.rows);
      for (const model of models) model.dispose();
      const metrics = classificationMetrics(
        classes,
        testSet.labels,
        argMaxRows(probs, classes.length),
        probs,
      );
      ctx.log.info(
        `fold ${f + 1}/${folds.length}: accuracy ${metrics.accuracy.toFixed(4)} MCC ${metrics.mcc.toFixed(4)}`,
      );
      results.push(metrics);
    }
    const summary = summariseFolds(results);
    for (const [name, s] of Object.entries(summary))
      ctx.log.info(`${name.padEnd(12)} ${s ? `${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)}` : 'NA'}`);
    record = { model: path, folds: results, summary };
    ctx.report(foldsTable(results, summary));
    await writeFile(join(outDir, 'metrics.tsv'), foldsTsv(summary));
  }
  for (const model of bundle.models) model.dispose();
  await writeFile(join(outDir, 'metrics.json'), `${JSON.stringify(metricsFile(record, outDir), null, 2)}\n`);
  ctx.declareOutputFile(join(outDir, 'metrics.json'));
  ctx.declareOutputFile(join(outDir, 'metrics.tsv'));
  yield record;
}
