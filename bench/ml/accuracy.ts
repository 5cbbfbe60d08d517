/**
 * Accuracy benchmark: stratified 5-fold cross-validation of the CNN on the B. subtilis
 * promoter set (beside CNNProm's published Sn 0.91 / Sp 0.95 / CC 0.86) and on the DNABERT
 * demo promoter dev set. Run: `node dist/bench/ml/accuracy.js` (env BENCH_FOLDS,
 * BENCH_BACKEND to change the defaults; BENCH_SETS=subtilis or dnabert runs one set).
 */
import { readFileSync } from 'node:fs';
import { useBackend } from '../../plugins/tfjs/backend.js';
import {
  type BacillusSettings,
  bacillusPromoters,
  bacillusSettings,
  type LabelledSequence,
} from '../../plugins/tfjs/fixtures.js';
import { summariseFolds } from '../../plugins/tfjs/metrics.js';
import { sharedData } from '../../test/shared-data.js';
import { crossValidate } from './cross-validate.js';

const folds = Number(process.env.BENCH_FOLDS ?? 5);
const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');

const bacillus = bacillusPromoters();
const dnabert = readFileSync(sharedData('ml/dnabert/dev.sequences.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line, i) => {
    const [seq, label] = line.split('\t');
    return { id: `dev${i}`, seq: seq!, label: label! };
  });

const sets: [string, LabelledSequence[], number, string[], BacillusSettings, string][] = [
  [
    'B. subtilis promoters (1,373)',
    bacillus,
    1,
    ['non-promoter', 'promoter'],
    bacillusSettings,
    'CNNProm: Sn 0.91 Sp 0.95 CC 0.86',
  ],
  [
    'DNABERT dev promoters (1,000)',
    dnabert,
    1,
    ['0', '1'],
    bacillusSettings,
    'no published figure for this demo set',
  ],
];

const only = process.env.BENCH_SETS;
const rows: string[][] = [];
const fmt = (s: { mean: number; sd: number } | null | undefined) =>
  s ? `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}` : 'NA';
for (const [name, sequences, k, classes, settings, published] of sets) {
  if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
  const started = performance.now();
  const results = await crossValidate(sequences, k, classes, settings, folds, folds, (r) =>
    process.stderr.write(
      `${name} fold ${r.fold}/${folds}: MCC ${r.test.mcc.toFixed(3)} Sn ${r.test.sensitivity!.toFixed(3)} Sp ${r.test.specificity!.toFixed(3)} (epochs ${r.bestEpochs.join('/')}, ${r.seconds.toFixed(0)} s)\n`,
    ),
  );
  const summary = summariseFolds(results.map((r) => r.test));
  rows.push([
    name,
    `k=${k}`,
    fmt(summary.mcc),
    fmt(summary.sensitivity),
    fmt(summary.specificity),
    fmt(summary.roc_auc),
    `${((performance.now() - started) / 1000).toFixed(0)} s`,
    published,
  ]);
}
const s = bacillusSettings;
console.log(
  `backend ${backend}, ${folds}-fold stratified CV (10 % of each training part for early stopping); CNN: ` +
    `embedding ${s['embedding-dim']}, ${s.filters} filters of width ${s['kernel-size']}, max pool ${s['pool-size']}, ` +
    `dense ${s['dense-units']}, dropout ${s.dropout}, lr ${s['learning-rate']}, batch ${s['batch-size']}, ` +
    `up to ${s.epochs} epochs (patience ${s.patience}), training rows shifted by up to ${s.shift}; ` +
    `the mean probabilities of ${s.ensemble} members (seeds ${s.seed}-${s.seed + s.ensemble - 1})\n`,
);
console.log(['data set', 'tokens', 'MCC', 'Sn', 'Sp', 'ROC AUC', 'time', 'reference'].join(' | '));
for (const row of rows) console.log(row.join(' | '));
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
