import { createHash } from 'node:crypto';
import type { StageContext, TokenizerSpec } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';
import { genoflowVersion, writeBundle } from './bundle.js';
import { type CollectedRows, collectRows, specDifferences, stratifiedSplit, toDataset } from './dataset.js';
import { memberSeed, trainEnsemble } from './ensemble.js';
import { argMaxRows, predictProbabilities } from './inference.js';
import { classificationMetrics, type Metrics } from './metrics.js';
import { trainingCurves } from './report-charts.js';
import type { TrainParams } from './train.js';

/** Port `model`: a saved bundle and what a consumer needs to know without loading it. */
export interface ModelRecord {
  path: string;
  classes: string[];
  /** The class the score is the probability of (the last of `classes`). */
  positive: string;
  spec: TokenizerSpec;
  backend: string;
  metrics?: Metrics;
}

export async function* run(ctx: StageContext<TrainParams>) {
  const {
    out,
    backend: choice,
    positive: wanted,
    'validation-split': validationSplit,
    ensemble,
    ...settings
  } = ctx.params;
  const backend = await useBackend(choice);
  ctx.log.info(`tfjs backend: ${backend}`);
  ctx.progress.count(`backend-${backend}`);
  const rows = await collectRows(ctx.inputs.in!, ctx.signal);
  if (!rows?.ids.length) throw new Error(`stage ${ctx.stageName}: no labelled, valid rows to train on`);
  countSkipped(ctx.progress.count, rows);
  const given = ctx.inputs.valid ? await collectRows(ctx.inputs.valid, ctx.signal) : null;
  if (given) {
    countSkipped(ctx.progress.count, given);
    const differences = specDifferences(rows.spec, given.spec);
    if (differences.length)
      throw new Error(`valid input uses another tokenizer than in: ${differences.join('; ')}`);
  }
  const found = [...new Set(rows.labels)].sort();
  if (found.length < 2)
    throw new Error(`stage ${ctx.stageName}: need at least two classes, found ${found.join(', ')}`);
  if (wanted !== undefined && !found.includes(wanted))
    throw new Error(
      `stage ${ctx.stageName}: positive class "${wanted}" is not among the labels found: ${found.join(', ')}`,
    );
  // The positive class goes last: scores and the binary metrics take the last class.
  const positive = wanted ?? found.at(-1)!;
  const classes = [...found.filter((c) => c !== positive), positive];
  const length = Math.max(rows.length, given?.length ?? 0);
  const split = given ? null : stratifiedSplit(rows.labels, validationSplit, settings.seed);
  const trainSet = toDataset(rows, classes, length, split?.train);
  const validSet = given
    ? toDataset(given, classes, length)
    : split!.valid.length
      ? toDataset(rows, classes, length, split!.valid)
      : null;
  ctx.log.info(
    `training ${settings.model} on ${trainSet.rows} rows, validating on ${validSet?.rows ?? 0}, classes ${classes.join(', ')} (positive: ${positive})`,
  );
  const shape = { vocabSize: rows.spec.vocabSize, length, classes: classes.length };
  const members = await trainEnsemble(settings, ensemble, shape, trainSet, validSet, {
    signal: ctx.signal,
    log: (m) => ctx.log.info(m),
    warn: (m) => ctx.log.warn(m),
    status: (m) => ctx.progress.status(m),
    checkpointDir: ctx.checkpointDir,
    fingerprint: fingerprint({ settings, validationSplit, backend }, rows, given),
    threads: ctx.threads,
  });
  const models = members.map((m) => m.model);
  let metrics: Metrics | null = null;
  if (validSet) {
    const probs = predictProbabilities(models, validSet.ids, validSet.rows, length, settings['batch-size']);
    metrics = classificationMetrics(classes, validSet.labels, argMaxRows(probs, classes.length), probs);
  }
  const path = ctx.resolvePath(out);
  const records = members.map(({ history, bestEpoch }, i) => ({
    seed: memberSeed(settings.seed, i),
    history,
    bestEpoch,
  }));
  await writeBundle(path, models, {
    classes,
    positive,
    spec: rows.spec,
    metrics,
    training: {
      params: { ...settings, 'validation-split': validationSplit, ensemble },
      length,
      history: members[0]!.history,
      bestEpoch: members[0]!.bestEpoch,
      ...(ensemble > 1 ? { members: records } : {}),
      backend,
      genoflowVersion,
    },
  });
  for (const model of models) model.dispose();
  ctx.declareOutputFile(path);
  for (const { seed, history, bestEpoch } of records)
    ctx.report(
      trainingCurves(history, bestEpoch, ensemble > 1 ? `Training curves, member seed ${seed}` : undefined),
    );
  const record: ModelRecord = {
    path,
    classes,
    positive,
    spec: rows.spec,
    backend,
    ...(metrics ? { metrics } : {}),
  };
  yield record;
}

function countSkipped(count: (name: string, n?: number) => void, rows: CollectedRows): void {
  if (rows.skipped.invalid) count('skipped-invalid', rows.skipped.invalid);
  if (rows.skipped.unlabelled) count('skipped-unlabelled', rows.skipped.unlabelled);
}

/** A checkpoint is resumed only by the same training: same params, backend and rows. */
function fingerprint(config: unknown, ...sets: Array<CollectedRows | null>): string {
  const hash = createHash('sha256').update(JSON.stringify(config));
  for (const set of sets) {
    if (!set) continue;
    for (const row of set.ids) hash.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
    hash.update(set.labels.join('\n'));
  }
  return hash.digest('hex');
}
