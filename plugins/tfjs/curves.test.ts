import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/index.js';
import { averagePrecision, prCurve, roc_auc, rocCurve } from './metrics.js';

const trapezoidArea = (points: { fpr: number; tpr: number }[]) =>
  points.slice(1).reduce((a, p, i) => a + ((p.fpr - points[i]!.fpr) * (p.tpr + points[i]!.tpr)) / 2, 0);
const stepArea = (points: { recall: number; precision: number }[]) =>
  points.slice(1).reduce((a, p, i) => a + (p.recall - points[i]!.recall) * p.precision, 0);

/** Labels and scores rounded to one decimal, so that many scores tie. */
function tiedScores(n: number, seed: number) {
  const rng = new Rng(seed);
  const positive = Array.from({ length: n }, () => rng.next() < 0.4);
  const scores = positive.map((p) => Math.round((rng.next() + (p ? 0.3 : 0)) * 10) / 10);
  return { positive, scores };
}

describe('rocCurve and prCurve', () => {
  it('give the points of a small case worked by hand', () => {
    const positive = [true, false, true, false];
    const scores = [0.9, 0.8, 0.7, 0.1];
    expect(rocCurve(positive, scores)).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(prCurve(positive, scores)).toEqual([
      { recall: 0, precision: 1 },
      { recall: 0.5, precision: 1 },
      { recall: 1, precision: 2 / 3 },
    ]);
  });

  it('drop the ROC points that lie on a straight run and keep both ends', () => {
    expect(rocCurve([true, true, false, false], [0.9, 0.8, 0.7, 0.6])).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it('have areas equal to roc_auc (trapezoids) and average precision (steps), ties included', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { positive, scores } = tiedScores(300, seed);
      const roc = rocCurve(positive, scores)!;
      const pr = prCurve(positive, scores)!;
      expect(roc.length).toBeLessThan(scores.length);
      expect(trapezoidArea(roc)).toBeCloseTo(roc_auc(positive, scores)!, 12);
      expect(stepArea(pr)).toBeCloseTo(averagePrecision(positive, scores)!, 12);
      expect(roc.at(-1)).toEqual({ fpr: 1, tpr: 1 });
      expect(pr.at(-1)!.recall).toBe(1);
    }
  });

  it('are null when the labels hold one class, as the AUCs are', () => {
    expect(rocCurve([true, true], [0.2, 0.4])).toBeNull();
    expect(prCurve([false, false], [0.2, 0.4])).toBeNull();
  });
});
