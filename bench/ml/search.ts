/**
 * One point of the B. subtilis hyperparameter search: `node dist/bench/ml/search.js
 * '<json of TrainSettings overrides>' [k] [folds to run] [fold seed, 7 by default]`. Prints one tab-separated line
 * (mean validation MCC, mean test MCC ± sd, per-fold test MCC, ROC AUC, Sn, Sp, kept epochs,
 * seconds, and with `ensemble` in the overrides the members' own test MCCs) so
 * that a log of runs can be compared; settings are chosen on the validation column and the
 * CV mean, not on single test folds.
 */
import { useBackend } from '../../plugins/tfjs/backend.js';
import { bacillusPromoters, bacillusSettings } from '../../plugins/tfjs/fixtures.js';
import { summariseFolds } from '../../plugins/tfjs/metrics.js';
import type { TrainSettings } from '../../plugins/tfjs/trainer.js';
import { crossValidate } from './cross-validate.js';

await useBackend('wasm');
const overrides = JSON.parse(process.argv[2] ?? '{}') as Partial<TrainSettings & { ensemble: number }>;
const k = Number(process.argv[3] ?? 1);
const run = Number(process.argv[4] ?? 5);
const foldSeed = Number(process.argv[5] ?? 7);
const sequences = bacillusPromoters();
const settings = { ...bacillusSettings, ...overrides };
const results = await crossValidate(
  sequences,
  k,
  ['non-promoter', 'promoter'],
  settings,
  5,
  run,
  (r) => process.stderr.write(`fold ${r.fold}: MCC ${r.test.mcc.toFixed(3)} (${r.seconds.toFixed(0)} s)\n`),
  foldSeed,
);
const summary = summariseFolds(results.map((r) => r.test));
const fmt = (name: string) => summary[name]?.mean.toFixed(3) ?? 'NA';
console.log(
  [
    `k=${k} ${JSON.stringify(overrides)} folds seeded ${foldSeed}`,
    `valMCC ${(results.reduce((a, r) => a + r.validMcc, 0) / results.length).toFixed(3)}`,
    `MCC ${fmt('mcc')} ± ${summary.mcc?.sd.toFixed(3)}`,
    `[${results.map((r) => r.test.mcc.toFixed(3)).join(' ')}]`,
    `AUC ${fmt('roc_auc')}`,
    `Sn ${fmt('sensitivity')}`,
    `Sp ${fmt('specificity')}`,
    `epochs [${results.map((r) => r.bestEpochs.join('/')).join(' ')}]`,
    `member MCC ${(results.flatMap((r) => r.memberMcc).reduce((a, m) => a + m, 0) / results.reduce((a, r) => a + r.memberMcc.length, 0)).toFixed(3)} [${results.map((r) => r.memberMcc.map((m) => m.toFixed(3)).join('/')).join(' ')}]`,
    `${results.reduce((a, r) => a + r.seconds, 0).toFixed(0)} s`,
  ].join('\t'),
);
