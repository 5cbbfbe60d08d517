import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { defineStage, z } from '../../src/plugin-api/index.js';
import type { MetricsRecord } from './evaluate-run.js';
import { type ClassMetrics, meanAndSd, type Metrics, summariseFolds } from './metrics.js';
import { foldsTsv, metricsTsv } from './report.js';
import { foldsTable } from './report-charts.js';

const perClassMetrics = ['precision', 'recall', 'f1'] as const satisfies readonly (keyof ClassMetrics)[];

/**
 * One fold's metrics as they are, or over K ≥ 2 folds: each metric's mean at the top level,
 * `sd` (sample sd, n-1), `folds` (each fold's metrics, in fold order) and `per_class`
 * (precision/recall/F1 of each class: mean, sd, folds). Models are relative to `dir`.
 */
export function foldsFile(records: MetricsRecord[], dir: string): Record<string, unknown> {
  const models = records.map((r) => relative(dir, r.model) || '.');
  const folds = records.map((r) => r.metrics!);
  if (folds.length === 1) return { model: models[0], ...folds[0] };
  const summary = summariseFolds(folds);
  const classes = folds[0]!.classes;
  const per_class = Object.fromEntries(
    classes.map((name, c) => [
      name,
      Object.fromEntries(
        perClassMetrics.map((m) => {
          const values = folds.map((f) => f.perClass[c]![m]);
          return [m, { ...meanAndSd(values), folds: values }];
        }),
      ),
    ]),
  );
  return {
    models,
    ...Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, v?.mean ?? null])),
    sd: Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, v?.sd ?? null])),
    folds,
    per_class,
  };
}

/** Gathers the `tfjs.evaluate` record of each cross-validation fold (one task each). */
export const foldsSummary = defineStage({
  description:
    'Gathers the metrics of K cross-validation folds into out/metrics.json: means, sample sd (n-1), each fold, per class',
  params: z.strictObject({ out: z.string().describe('Directory of metrics.json and metrics.tsv.') }),
  inputs: { in: 'metrics' },
  output: 'metrics',
  async *run(ctx) {
    const records: MetricsRecord[] = [];
    for await (const record of ctx.inputs.in!) records.push(record as MetricsRecord);
    const missing = records.findIndex((r) => !r.metrics);
    if (missing >= 0)
      throw new Error(`fold ${missing + 1}: expected one model's metrics (a tfjs.evaluate without folds)`);
    if (!records.length) throw new Error('no fold metrics to gather');
    const folds = records.map((r) => r.metrics as Metrics);
    const classes = folds[0]!.classes.join(',');
    const odd = folds.findIndex((f) => f.classes.join(',') !== classes);
    if (odd >= 0)
      throw new Error(`fold ${odd + 1} has classes ${folds[odd]!.classes.join(',')}, fold 1 has ${classes}`);
    const outDir = ctx.resolvePath(ctx.params.out);
    await mkdir(outDir, { recursive: true });
    let record: MetricsRecord;
    if (folds.length === 1) {
      record = records[0]!;
      await writeFile(join(outDir, 'metrics.tsv'), metricsTsv(folds[0]!));
    } else {
      const summary = summariseFolds(folds);
      for (const [name, s] of Object.entries(summary))
        ctx.log.info(
          `${name.padEnd(12)} ${s ? `${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)} (sample sd, ${folds.length} folds)` : 'NA'}`,
        );
      ctx.report(foldsTable(folds, summary));
      await writeFile(join(outDir, 'metrics.tsv'), foldsTsv(summary));
      record = { model: records[0]!.model, folds, summary };
    }
    const file = join(outDir, 'metrics.json');
    await writeFile(file, `${JSON.stringify(foldsFile(records, outDir), null, 2)}\n`);
    ctx.declareOutputFile(file);
    ctx.declareOutputFile(join(outDir, 'metrics.tsv'));
    yield record;
  },
});
