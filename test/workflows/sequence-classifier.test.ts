import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, repoRoot, tempDir } from '../helpers.js';

/** scikit-learn's per-class precision/recall/F1 and MCC for the rows a confusion matrix counts. */
const sklearnScript = `
import json, sys
import numpy as np
from sklearn import metrics as M
c = np.array(json.load(sys.stdin))
k = len(c)
y = np.concatenate([np.full(c[t].sum(), t) for t in range(k)])
p = np.concatenate([np.repeat(np.arange(k), c[t]) for t in range(k)])
pr, rc, f1, _ = M.precision_recall_fscore_support(y, p, labels=list(range(k)), zero_division=0)
print(json.dumps(dict(precision=pr.tolist(), recall=rc.tolist(), f1=f1.tolist(), mcc=M.matthews_corrcoef(y, p),
  accuracy=M.accuracy_score(y, p))))
`;
const sklearn = (confusion: number[][]) =>
  JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', sklearnScript], {
      input: JSON.stringify(confusion),
      encoding: 'utf8',
    }),
  );

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sampleSd = (xs: number[]) =>
  Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

interface FoldMetrics {
  n: number;
  classes: string[];
  accuracy: number;
  mcc: number;
  confusion: number[][];
  perClass: { class: string; precision: number; recall: number; f1: number }[];
}

describe('workflows/sequence-classifier.yaml', () => {
  it('-p folds=3 on the three-class sample: one task per fold, metrics.json with means, sample sd, folds and per class equal to scikit-learn', async () => {
    const out = tempDir('seqclf');
    const result = await cli(
      [
        'run',
        'workflows/sequence-classifier.yaml',
        '-p',
        'folds=3',
        '-p',
        `outdir=${out}`,
        '--cpus',
        '2',
        '--work-dir',
        join(out, 'work'),
        '--trace',
        join(out, 'trace.tsv'),
      ],
      { cwd: repoRoot },
    );
    expect(result.code, result.stderr).toBe(0);
    const tasks = parseTrace(readFileSync(join(out, 'trace.tsv'), 'utf8')).map((r) => r.stage);
    expect(tasks.filter((t) => t.startsWith('model['))).toHaveLength(3);
    expect(tasks.filter((t) => t === 'metrics')).toHaveLength(1);

    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const folds = metrics.folds as FoldMetrics[];
    expect(folds).toHaveLength(3);
    // The sample's 180 rows of task motif (where=task=motif drops the 30 decoys), each in one test fold.
    expect(folds.reduce((n, f) => n + f.n, 0)).toBe(180);
    for (const fold of folds) {
      const expected = sklearn(fold.confusion);
      expect(fold.accuracy).toBeCloseTo(expected.accuracy, 10);
      expect(fold.mcc).toBeCloseTo(expected.mcc, 10);
      fold.perClass.forEach((c, i) => {
        expect(c.precision).toBeCloseTo(expected.precision[i], 10);
        expect(c.recall).toBeCloseTo(expected.recall[i], 10);
        expect(c.f1).toBeCloseTo(expected.f1[i], 10);
      });
    }
    for (const key of ['accuracy', 'mcc', 'f1']) {
      const values = folds.map((f) => f[key as 'accuracy']);
      expect(metrics[key]).toBeCloseTo(mean(values), 12);
      expect(metrics.sd[key]).toBeCloseTo(sampleSd(values), 12);
    }
    const classes = folds[0]!.classes;
    expect(Object.keys(metrics.per_class)).toEqual(classes);
    for (const [i, name] of classes.entries()) {
      const recalls = folds.map((f) => f.perClass[i]!.recall);
      expect(metrics.per_class[name].recall.folds).toEqual(recalls);
      expect(metrics.per_class[name].recall.sd).toBeCloseTo(sampleSd(recalls), 12);
    }
    // Three balanced classes: chance is 1/3; the defaults learn the planted motifs
    // (0.69 ± 0.05 measured with seed 1).
    expect(metrics.accuracy).toBeGreaterThan(0.5);
  }, 120_000);
});
