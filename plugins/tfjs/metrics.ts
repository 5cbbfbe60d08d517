/**
 * Classification metrics, pure (no tf), computed as scikit-learn does:
 * - precision/recall/F1 of a class that is never predicted / never present are 0
 *   (sklearn's zero_division default);
 * - MCC is 0 when a row or column of the confusion matrix sums to the total (sklearn);
 * - ROC AUC and PR AUC (average precision, without interpolation) are undefined when the
 *   true labels hold a single class (sklearn raises or warns): we return null and say why
 *   in `undefinedBecause`. With more than two classes both are one-vs-rest macro averages.
 */

export interface ClassMetrics {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  roc_auc: number | null;
  pr_auc: number | null;
}

export interface Metrics {
  n: number;
  classes: string[];
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  mcc: number;
  roc_auc: number | null;
  pr_auc: number | null;
  /** Binary only: recall of the positive (last) class and of the negative class. */
  sensitivity?: number;
  specificity?: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted]. */
  confusion: number[][];
  /** Why a metric is null. */
  undefinedBecause: Record<string, string>;
}

export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]!]![predicted[i]!]!++;
  return m;
}

/** Matthews correlation coefficient, the multi-class form (R_K) that sklearn uses. */
export function mcc(confusion: number[][]): number {
  const k = confusion.length;
  let s = 0;
  let c = 0;
  const t = new Array<number>(k).fill(0);
  const p = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    c += confusion[i]![i]!;
    for (let j = 0; j < k; j++) {
      const v = confusion[i]![j]!;
      s += v;
      t[i]! += v;
      p[j]! += v;
    }
  }
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (let i = 0; i < k; i++) {
    tp += t[i]! * p[i]!;
    pp += p[i]! * p[i]!;
    tt += t[i]! * t[i]!;
  }
  const covYtYp = c * s - tp;
  const covYpYp = s * s - pp;
  const covYtYt = s * s - tt;
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/** Indices sorted by descending score (stable), grouped by equal score. */
function descendingGroups(scores: ArrayLike<number>): number[][] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const groups: number[][] = [];
  for (const i of order) {
    const last = groups[groups.length - 1];
    if (last && scores[last[0]!] === scores[i]) last.push(i);
    else groups.push([i]);
  }
  return groups;
}

/** Area under the ROC curve (trapezoids over distinct thresholds); null with one class. */
export function roc_auc(positive: ArrayLike<boolean>, scores: ArrayLike<number>): number | null {
  let P = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) P++;
  const N = positive.length - P;
  if (P === 0 || N === 0) return null;
  let tp = 0;
  let fp = 0;
  let area = 0;
  for (const group of descendingGroups(scores)) {
    const tp0 = tp;
    const fp0 = fp;
    for (const i of group) positive[i] ? tp++ : fp++;
    area += ((fp - fp0) * (tp + tp0)) / 2;
  }
  return area / (P * N);
}

/** Average precision Σ (Rₙ − Rₙ₋₁) Pₙ over distinct thresholds; null without positives or negatives. */
export function averagePrecision(positive: ArrayLike<boolean>, scores: ArrayLike<number>): number | null {
  let P = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) P++;
  if (P === 0 || P === positive.length) return null;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (const group of descendingGroups(scores)) {
    const tp0 = tp;
    for (const i of group) if (positive[i]) tp++;
    seen += group.length;
    ap += ((tp - tp0) / P) * (tp / seen);
  }
  return ap;
}

/** A point of a ROC curve: false and true positive rates at one score threshold. */
export interface RocPoint {
  fpr: number;
  tpr: number;
}

/** A point of a precision-recall curve at one score threshold. */
export interface PrPoint {
  recall: number;
  precision: number;
}

/**
 * The ROC curve whose trapezoid area is `roc_auc`: one point per distinct threshold from
 * (0, 0) to (1, 1), less the points that lie on the line through their neighbours (they
 * add nothing to the area or the drawing; sklearn's drop_intermediate). Null with one class.
 */
export function rocCurve(positive: ArrayLike<boolean>, scores: ArrayLike<number>): RocPoint[] | null {
  let P = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) P++;
  const N = positive.length - P;
  if (P === 0 || N === 0) return null;
  const counts: [fp: number, tp: number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (const group of descendingGroups(scores)) {
    for (const i of group) positive[i] ? tp++ : fp++;
    counts.push([fp, tp]);
  }
  // Integer counts, so collinearity is tested exactly.
  const corners = counts.filter((c, i) => {
    const a = counts[i - 1];
    const b = counts[i + 1];
    return !a || !b || (c[0] - a[0]) * (b[1] - c[1]) !== (c[1] - a[1]) * (b[0] - c[0]);
  });
  return corners.map(([f, t]) => ({ fpr: f / N, tpr: t / P }));
}

/**
 * The precision-recall curve whose step area Σ (Rₙ − Rₙ₋₁) Pₙ is `averagePrecision`: it
 * starts at recall 0, precision 1 (as sklearn's does) and keeps, for each recall, the
 * first threshold reaching it (the later ones add no area). Drawn as steps, its area is
 * the average precision; a trapezoid area would not be. Null without positives or negatives.
 */
export function prCurve(positive: ArrayLike<boolean>, scores: ArrayLike<number>): PrPoint[] | null {
  let P = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) P++;
  if (P === 0 || P === positive.length) return null;
  const points: PrPoint[] = [{ recall: 0, precision: 1 }];
  let tp = 0;
  let seen = 0;
  for (const group of descendingGroups(scores)) {
    const tp0 = tp;
    for (const i of group) if (positive[i]) tp++;
    seen += group.length;
    if (tp > tp0) points.push({ recall: tp / P, precision: tp / seen });
  }
  return points;
}

/**
 * All metrics of predictions: `truth` and `predicted` are class indices, `probabilities`
 * is rows × classes (row-major).
 */
export function classificationMetrics(
  classes: string[],
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  probabilities: ArrayLike<number>,
): Metrics {
  const k = classes.length;
  const n = truth.length;
  const confusion = confusionMatrix(truth, predicted, k);
  const undefinedBecause: Record<string, string> = {};
  const perClass = classes.map((name, c): ClassMetrics => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    const positive = Array.from(truth, (t) => t === c);
    const scores = Array.from({ length: n }, (_, i) => probabilities[i * k + c]!);
    return {
      class: name,
      precision,
      recall,
      f1,
      support,
      roc_auc: roc_auc(positive, scores),
      pr_auc: averagePrecision(positive, scores),
    };
  });
  const mean = (f: (m: ClassMetrics) => number) => perClass.reduce((a, m) => a + f(m), 0) / k;
  let correct = 0;
  for (let i = 0; i < n; i++) if (truth[i] === predicted[i]) correct++;
  const present = new Set(Array.from(truth)).size;
  const areaOf = (f: (m: ClassMetrics) => number | null, name: string): number | null => {
    if (present < 2) {
      undefinedBecause[name] = `only one class (${classes[truth[0]!] ?? 'none'}) in the true labels`;
      return null;
    }
    // Binary: the positive (last) class's curve, as sklearn scores with probabilities[:, 1].
    if (k === 2) return f(perClass[1]!);
    const values = perClass.map(f);
    if (values.some((v) => v === null)) {
      undefinedBecause[name] =
        'a class is absent from the true labels, so its one-vs-rest curve is undefined';
      return null;
    }
    return (values as number[]).reduce((a, b) => a + b, 0) / k;
  };
  const metrics: Metrics = {
    n,
    classes,
    accuracy: n ? correct / n : 0,
    precision: mean((m) => m.precision),
    recall: mean((m) => m.recall),
    f1: mean((m) => m.f1),
    mcc: mcc(confusion),
    roc_auc: areaOf((m) => m.roc_auc, 'roc_auc'),
    pr_auc: areaOf((m) => m.pr_auc, 'pr_auc'),
    perClass,
    confusion,
    undefinedBecause,
  };
  if (k === 2) {
    metrics.sensitivity = perClass[1]!.recall;
    metrics.specificity = perClass[0]!.recall;
  }
  return metrics;
}

/** The single-number metrics, in the order tables show them. */
export const scalarMetrics = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'mcc',
  'roc_auc',
  'pr_auc',
  'sensitivity',
  'specificity',
] as const;

/**
 * Mean and sample standard deviation (n-1 in the denominator, as numpy's `std(ddof=1)`):
 * folds are a sample of the splits that could have been drawn. Needs at least two values.
 */
export function meanAndSd(xs: number[]): { mean: number; sd: number } {
  if (xs.length < 2) throw new Error(`a sample sd needs at least 2 values, got ${xs.length}`);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) };
}

/** Mean and sample sd (see `meanAndSd`) of the scalar metrics over folds. */
export function summariseFolds(folds: Metrics[]): Record<string, { mean: number; sd: number } | null> {
  const out: Record<string, { mean: number; sd: number } | null> = {};
  for (const name of scalarMetrics) {
    const values = folds.map((f) => f[name]);
    out[name] = values.some((v) => v === null || v === undefined) ? null : meanAndSd(values as number[]);
  }
  return out;
}
