import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/index.js';
import { argMaxRows } from './inference.js';
import { classificationMetrics, type Metrics } from './metrics.js';

/** scikit-learn 's answers for the same predictions (null where it raises). */
const sklearnScript = `
import json, sys, warnings
import numpy as np
from sklearn import metrics as M
from sklearn.preprocessing import label_binarize
warnings.simplefilter('ignore')
d = json.load(sys.stdin)
y, p, k = np.array(d['truth']), np.array(d['predicted']), d['classes']
probs = np.array(d['probabilities']).reshape(len(y), k)
def guard(f):
    try: return float(f())
    except ValueError: return None
pr, rc, f1, sup = M.precision_recall_fscore_support(y, p, labels=list(range(k)), zero_division=0)
mp, mr, mf, _ = M.precision_recall_fscore_support(y, p, labels=list(range(k)), average='macro', zero_division=0)
if k == 2:
    roc = guard(lambda: M.roc_auc_score(y, probs[:, 1]))
    ap = guard(lambda: M.average_precision_score(y, probs[:, 1]))
else:
    roc = guard(lambda: M.roc_auc_score(y, probs, multi_class='ovr', average='macro', labels=list(range(k))))
    ap = guard(lambda: M.average_precision_score(label_binarize(y, classes=list(range(k))), probs, average='macro'))
print(json.dumps(dict(accuracy=M.accuracy_score(y, p), precision=mp, recall=mr, f1=mf, mcc=M.matthews_corrcoef(y, p),
  roc_auc=roc, pr_auc=ap, perPrecision=pr.tolist(), perRecall=rc.tolist(), perF1=f1.tolist(), support=sup.tolist(),
  confusion=M.confusion_matrix(y, p, labels=list(range(k))).tolist())))
`;

function sklearn(
  truth: number[],
  predicted: ArrayLike<number>,
  probabilities: Float32Array,
  classes: number,
) {
  const input = JSON.stringify({
    truth,
    predicted: Array.from(predicted),
    probabilities: Array.from(probabilities),
    classes,
  });
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', sklearnScript], { input, encoding: 'utf8' }));
}

/** Random probabilities rounded to one decimal, so that many scores tie. */
function tiedPredictions(n: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const truth = Array.from({ length: n }, () => rng.below(classes));
  const probabilities = new Float32Array(n * classes);
  for (let r = 0; r < n; r++) {
    const raw = Array.from(
      { length: classes },
      (_, c) => Math.round((rng.next() + (c === truth[r] ? 0.4 : 0)) * 10) / 10 + 0.1,
    );
    const sum = raw.reduce((a, b) => a + b, 0);
    raw.forEach((v, c) => {
      probabilities[r * classes + c] = v / sum;
    });
  }
  return { truth, probabilities };
}

function expectAgreement(ours: Metrics, theirs: ReturnType<typeof sklearn>): void {
  for (const name of ['accuracy', 'precision', 'recall', 'f1', 'mcc'] as const)
    expect(ours[name]).toBeCloseTo(theirs[name], 9);
  for (const name of ['roc_auc', 'pr_auc'] as const) {
    if (theirs[name] === null) expect(ours[name]).toBeNull();
    else expect(ours[name]).toBeCloseTo(theirs[name], 9);
  }
  ours.perClass.forEach((c, i) => {
    expect(c.precision).toBeCloseTo(theirs.perPrecision[i], 9);
    expect(c.recall).toBeCloseTo(theirs.perRecall[i], 9);
    expect(c.f1).toBeCloseTo(theirs.perF1[i], 9);
    expect(c.support).toBe(theirs.support[i]);
  });
  expect(ours.confusion).toEqual(theirs.confusion);
}

describe('classification metrics equal scikit-learn', () => {
  for (const [classes, seed] of [
    [2, 1],
    [2, 2],
    [3, 3],
    [4, 4],
  ] as const) {
    it(`${classes} classes, tied scores (seed ${seed})`, () => {
      const { truth, probabilities } = tiedPredictions(300, classes, seed);
      const predicted = argMaxRows(probabilities, classes);
      const names = Array.from({ length: classes }, (_, c) => `c${c}`);
      const ours = classificationMetrics(names, truth, predicted, probabilities);
      const theirs = sklearn(truth, predicted, probabilities, classes);
      expect(ours.roc_auc).not.toBeNull();
      expectAgreement(ours, theirs);
    });
  }

  it('a class never predicted: precision 0 (zero_division) and MCC as sklearn', () => {
    const truth = [0, 0, 1, 1, 1, 0];
    const probabilities = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.6, 0.4, 0.7, 0.3, 0.6, 0.4, 0.9, 0.1]);
    const predicted = argMaxRows(probabilities, 2);
    expect(Array.from(predicted)).toEqual([0, 0, 0, 0, 0, 0]);
    const ours = classificationMetrics(['a', 'b'], truth, predicted, probabilities);
    expectAgreement(ours, sklearn(truth, predicted, probabilities, 2));
    expect(ours.mcc).toBe(0);
  });

  it('one class in the truth: ROC AUC and PR AUC are null with a reason (sklearn raises / warns)', () => {
    const truth = [1, 1, 1, 1];
    const probabilities = Float32Array.from([0.2, 0.8, 0.6, 0.4, 0.5, 0.5, 0.1, 0.9]);
    const predicted = argMaxRows(probabilities, 2);
    const ours = classificationMetrics(['neg', 'pos'], truth, predicted, probabilities);
    const theirs = sklearn(truth, predicted, probabilities, 2);
    expect(theirs.roc_auc).toBeNull(); // sklearn: "Only one class present in y_true"
    expect(ours.roc_auc).toBeNull();
    expect(ours.pr_auc).toBeNull(); // sklearn warns and returns 1.0 here, which says nothing
    expect(ours.undefinedBecause.roc_auc).toMatch(/only one class \(pos\)/);
    expect(ours.accuracy).toBeCloseTo(theirs.accuracy, 12);
    expect(ours.mcc).toBe(theirs.mcc);
  });

  it('a class absent from the truth among three: one-vs-rest AUCs are null', () => {
    const { probabilities } = tiedPredictions(20, 3, 9);
    const truth = Array.from({ length: 20 }, (_, i) => i % 2);
    const predicted = argMaxRows(probabilities, 3);
    const ours = classificationMetrics(['a', 'b', 'c'], truth, predicted, probabilities);
    expect(sklearn(truth, predicted, probabilities, 3).roc_auc).toBeNull();
    expect(ours.roc_auc).toBeNull();
    expect(ours.undefinedBecause.roc_auc).toMatch(/absent/);
  });
});
