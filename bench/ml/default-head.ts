/**
 * The CNN's default head, old (global max pooling) against new (max-pooling windows of 8 and
 * a dense layer of 64), both otherwise at `tfjs.train`'s defaults as the promoter workflow
 * runs them (4-mer tokens, 12 epochs): stratified 3-fold CV (fold seed 7), model seeds 1 and 2,
 * on the B. subtilis (81 bp) and DNABERT dev (101 bp) promoter sets. Prints MCC mean ± sample
 * sd over the 6 fold × seed runs. Nothing is tuned here on a test fold: each setting is run
 * once as written. Run: `npx tsx bench/ml/default-head.ts` (env BENCH_SETS=subtilis|dnabert, BENCH_HEADS=0,1 picks
 * heads by index).
 */
import { readFileSync } from 'node:fs';
import { useBackend } from '../../plugins/tfjs/backend.js';
import { bacillusPromoters, type LabelledSequence } from '../../plugins/tfjs/fixtures.js';
import { trainingParams } from '../../plugins/tfjs/params.js';
import type { TrainSettings } from '../../plugins/tfjs/trainer.js';
import { z } from '../../src/plugin-api/index.js';
import { sharedData } from '../../test/shared-data.js';
import { crossValidate } from './cross-validate.js';

const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const defaults = z.object(trainingParams).parse({ epochs: 12 }) as TrainSettings;
const heads: [string, Partial<TrainSettings>][] = [
  ['global max pool', { 'pool-size': 0, 'dense-units': 0 }],
  ['pool 8 + dense 64', { 'pool-size': 8, 'dense-units': 64 }],
  ['global max pool + dense 64', { 'pool-size': 0, 'dense-units': 64 }],
  ['pool 8 + dense 64, dropout 0.5', { 'pool-size': 8, 'dense-units': 64, dropout: 0.5 }],
];
const only = process.env.BENCH_HEADS?.split(',').map(Number);
const dnabert = readFileSync(sharedData('ml/dnabert/dev.sequences.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line, i) => {
    const [seq, label] = line.split('\t');
    return { id: `dev${i}`, seq: seq!, label: label! };
  });
const sets: [string, LabelledSequence[], string[]][] = [
  ['B. subtilis', bacillusPromoters(), ['non-promoter', 'promoter']],
  ['DNABERT dev', dnabert, ['0', '1']],
];

const sampleSd = (xs: number[]) => {
  const m = xs.reduce((a, x) => a + x, 0) / xs.length;
  return [m, Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))] as const;
};
console.log(`backend ${backend}; 3 folds × seeds 1, 2; MCC mean ± sample sd (n = 6)`);
for (const [name, sequences, classes] of sets) {
  if (process.env.BENCH_SETS && !name.toLowerCase().includes(process.env.BENCH_SETS)) continue;
  for (const [i, [head, override]] of heads.entries()) {
    if (only && !only.includes(i)) continue;
    const mccs: number[] = [];
    const started = performance.now();
    for (const seed of [1, 2]) {
      const results = await crossValidate(sequences, 4, classes, { ...defaults, ...override, seed }, 3);
      mccs.push(...results.map((r) => r.test.mcc));
    }
    const [mean, sd] = sampleSd(mccs);
    console.log(
      `${name}\t${head}\tMCC ${mean.toFixed(3)} ± ${sd.toFixed(3)}\t(${mccs.map((m) => m.toFixed(3)).join(' ')})\t${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
}
