/**
 * Accuracy benchmark: stratified 5-fold cross-validation of the k-mer CNN on the
 * B. subtilis promoter set (beside CNNProm's published Sn 0.91 / Sp 0.95 / CC 0.86) and on
 * the DNABERT demo promoter dev set. Run: `node dist/bench/ml/accuracy.js`
 * (env BENCH_EPOCHS, BENCH_FOLDS, BENCH_BACKEND to change the defaults).
 */
import { readFileSync } from 'node:fs';
import { useBackend } from '../../plugins/tfjs/backend.js';
import { collectRows, stratifiedFolds, stratifiedSplit, toDataset } from '../../plugins/tfjs/dataset.js';
import { kmerBatches, type LabelledSequence, readFasta } from '../../plugins/tfjs/fixtures.js';
import { argMaxRows, predictProbabilities } from '../../plugins/tfjs/inference.js';
import { classificationMetrics, type Metrics, summariseFolds } from '../../plugins/tfjs/metrics.js';
import { type TrainSettings, trainModel } from '../../plugins/tfjs/trainer.js';
import { sharedData } from '../../test/shared-data.js';

const epochs = Number(process.env.BENCH_EPOCHS ?? 12);
const folds = Number(process.env.BENCH_FOLDS ?? 5);
const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');

const settings: TrainSettings = {
  model: 'cnn',
  'embedding-dim': 32,
  units: 32,
  filters: 64,
  'kernel-size': 7,
  layers: 1,
  heads: 2,
  'ff-dim': 32,
  dropout: 0.3,
  pooling: 'mean',
  epochs,
  'batch-size': 32,
  'learning-rate': 0.003,
  patience: 3,
  'class-weight': 'balanced',
  seed: 1,
};

async function cv(name: string, sequences: LabelledSequence[], k: number, classes: string[]) {
  const started = performance.now();
  const batches = kmerBatches(sequences, k, 256);
  const length = batches[0]!.length;
  const rows = (await collectRows(batches, new AbortController().signal))!;
  const shape = { vocabSize: rows.spec.vocabSize, length, classes: 2 };
  const results: Metrics[] = [];
  for (const [f, test] of stratifiedFolds(rows.labels, folds, 7).entries()) {
    const rest = stratifiedFolds(rows.labels, folds, 7).flatMap((fold, i) => (i === f ? [] : fold));
    const split = stratifiedSplit(
      rest.map((r) => rows.labels[r]!),
      0.1,
      f,
    );
    const trainSet = toDataset(
      rows,
      classes,
      length,
      split.train.map((i) => rest[i]!),
    );
    const validSet = toDataset(
      rows,
      classes,
      length,
      split.valid.map((i) => rest[i]!),
    );
    const hooks = { signal: new AbortController().signal, log: () => {}, status: () => {}, fingerprint: '' };
    const { model } = await trainModel(settings, shape, trainSet, validSet, hooks);
    const testSet = toDataset(rows, classes, length, test);
    const probs = predictProbabilities(model, testSet.ids, testSet.rows, length, 256);
    model.dispose();
    const m = classificationMetrics(classes, testSet.labels, argMaxRows(probs, 2), probs);
    process.stderr.write(
      `${name} fold ${f + 1}/${folds}: MCC ${m.mcc.toFixed(3)} Sn ${m.sensitivity!.toFixed(3)} Sp ${m.specificity!.toFixed(3)}\n`,
    );
    results.push(m);
  }
  return { summary: summariseFolds(results), seconds: (performance.now() - started) / 1000 };
}

const bacillus = [
  ...readFasta(sharedData('ml/cnnprom/Bacillus_prom.fa'), 'promoter'),
  ...readFasta(sharedData('ml/cnnprom/Bacillus_non_prom.fa'), 'non-promoter'),
];
const dnabert = readFileSync(sharedData('ml/dnabert/dev.sequences.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line, i) => {
    const [seq, label] = line.split('\t');
    return { id: `dev${i}`, seq: seq!, label: label! };
  });

const rows: string[][] = [];
const fmt = (s: { mean: number; sd: number } | null | undefined) =>
  s ? `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}` : 'NA';
for (const [name, sequences, k, classes, published] of [
  [
    'B. subtilis promoters (1,373)',
    bacillus,
    4,
    ['non-promoter', 'promoter'],
    'CNNProm: Sn 0.91 Sp 0.95 CC 0.86',
  ],
  ['DNABERT dev promoters (1,000)', dnabert, 4, ['0', '1'], 'no published figure for this demo set'],
] as const) {
  const { summary, seconds } = await cv(name, sequences as LabelledSequence[], k, [...classes]);
  rows.push([
    name,
    fmt(summary.mcc),
    fmt(summary.sensitivity),
    fmt(summary.specificity),
    fmt(summary.roc_auc),
    `${seconds.toFixed(0)} s`,
    published,
  ]);
}
console.log(
  `backend ${backend}, CNN on 4-mers, ${folds}-fold stratified CV, up to ${epochs} epochs (early stopping, patience 3)\n`,
);
console.log(['data set', 'MCC', 'Sn', 'Sp', 'ROC AUC', 'time', 'reference'].join(' | '));
for (const row of rows) console.log(row.join(' | '));
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
