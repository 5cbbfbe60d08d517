import type { ReportSection } from '../../src/plugin-api/index.js';
import { type Metrics, prCurve, rocCurve, scalarMetrics } from './metrics.js';
import type { EpochRecord } from './trainer.js';

// Sections of the run report (`genoflow run --report`): Vega-Lite specs with their data inline.

/** Four decimals, as the report writes fractions. */
const d4 = (v: number | null | undefined) => (v === null || v === undefined ? 'NA' : v.toFixed(4));

/** Loss and scores per epoch, training beside validation; a dashed rule at the kept epoch. */
export function trainingCurves(
  history: EpochRecord[],
  bestEpoch: number,
  title = 'Training curves',
): ReportSection {
  const series: [keyof EpochRecord, string, 'loss' | 'score'][] = [
    ['loss', 'loss', 'loss'],
    ['valLoss', 'val_loss', 'loss'],
    ['accuracy', 'accuracy', 'score'],
    ['valAccuracy', 'val_accuracy', 'score'],
    ['valMcc', 'val_mcc', 'score'],
  ];
  const values = history.flatMap((h) =>
    series.flatMap(([key, metric, panel]) =>
      typeof h[key] === 'number' ? [{ epoch: h.epoch, metric, panel, value: h[key] }] : [],
    ),
  );
  const panel = (name: 'loss' | 'score', title: string) => ({
    width: 320,
    height: 220,
    title,
    transform: [{ filter: `datum.panel === '${name}'` }],
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: name },
          color: { field: 'metric', type: 'nominal', title: null },
          strokeDash: {
            field: 'metric',
            type: 'nominal',
            legend: null,
            scale: {
              domain: series.map((s) => s[1]),
              range: series.map((s) => (s[0].startsWith('val') ? [5, 3] : [1, 0])),
            },
          },
        },
      },
      {
        data: { values: [{ epoch: bestEpoch }] },
        mark: { type: 'rule', color: '#888', strokeDash: [2, 2] },
        encoding: { x: { field: 'epoch', type: 'quantitative' } },
      },
    ],
  });
  return {
    title,
    vegaLite: {
      data: { values },
      hconcat: [panel('loss', 'Loss per epoch'), panel('score', 'Accuracy and MCC per epoch')],
      resolve: { scale: { color: 'independent' } },
      title: {
        text: `kept the weights of epoch ${bestEpoch} of ${history.length}`,
        fontSize: 12,
        fontWeight: 'normal',
      },
    },
  };
}

/** Counts of true × predicted class, as a heatmap with the counts written in. */
export function confusionMatrixChart(m: Metrics): ReportSection {
  const values = m.confusion.flatMap((row, t) =>
    row.map((count, p) => ({ true: m.classes[t], predicted: m.classes[p], count })),
  );
  const max = Math.max(1, ...values.map((v) => v.count));
  const side = Math.max(160, 60 * m.classes.length);
  return {
    title: 'Confusion matrix',
    vegaLite: {
      width: side,
      height: side,
      data: { values },
      encoding: {
        x: { field: 'predicted', type: 'nominal', sort: m.classes, axis: { labelAngle: 0, orient: 'top' } },
        y: { field: 'true', type: 'nominal', sort: m.classes },
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: {
              field: 'count',
              type: 'quantitative',
              scale: { scheme: 'blues', domain: [0, max] },
              legend: null,
            },
          },
        },
        {
          mark: { type: 'text', fontSize: 16, fontWeight: 'bold' },
          encoding: {
            text: { field: 'count', type: 'quantitative' },
            color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: '#111' },
          },
        },
      ],
    },
  };
}

/**
 * Per-class scores, one-vs-rest; with two classes only the positive (last) class, as
 * `roc_auc` and `pr_auc` are computed.
 */
function classScores(m: Metrics, truth: ArrayLike<number>, probabilities: ArrayLike<number>) {
  const k = m.classes.length;
  const shown = k === 2 ? [1] : m.classes.map((_, c) => c);
  return shown.map((c) => ({
    name: m.classes[c]!,
    auc: m.perClass[c]!,
    positive: Array.from(truth, (t) => t === c),
    scores: Array.from({ length: truth.length }, (_, i) => probabilities[i * k + c]!),
  }));
}

/** ROC and precision-recall curves from the scores; null when the labels hold one class. */
export function curveCharts(
  m: Metrics,
  truth: ArrayLike<number>,
  probabilities: ArrayLike<number>,
): ReportSection[] {
  const roc: Record<string, unknown>[] = [];
  const pr: Record<string, unknown>[] = [];
  for (const { name, auc, positive, scores } of classScores(m, truth, probabilities)) {
    const label = `${name} (AUC ${d4(auc.roc_auc)})`;
    for (const p of rocCurve(positive, scores) ?? []) roc.push({ class: label, ...p });
    const prLabel = `${name} (AP ${d4(auc.pr_auc)})`;
    for (const p of prCurve(positive, scores) ?? []) pr.push({ class: prLabel, ...p });
  }
  const sections: ReportSection[] = [];
  const axis = (field: string, title: string) => ({
    field,
    type: 'quantitative',
    title,
    scale: { domain: [0, 1] },
  });
  const legend = { orient: 'bottom', title: null, direction: 'vertical' };
  if (roc.length) {
    sections.push({
      title: 'ROC curve',
      vegaLite: {
        width: 260,
        height: 260,
        layer: [
          {
            data: {
              values: [
                { fpr: 0, tpr: 0 },
                { fpr: 1, tpr: 1 },
              ],
            },
            mark: { type: 'line', color: '#bbb', strokeDash: [4, 4] },
            encoding: {
              x: { field: 'fpr', type: 'quantitative' },
              y: { field: 'tpr', type: 'quantitative' },
            },
          },
          {
            data: { values: roc },
            mark: { type: 'line', interpolate: 'linear' },
            encoding: {
              x: axis('fpr', 'false positive rate'),
              y: axis('tpr', 'true positive rate'),
              color: { field: 'class', type: 'nominal', legend },
              order: { field: 'fpr' },
            },
          },
        ],
      },
    });
  }
  if (pr.length) {
    sections.push({
      title: 'Precision-recall curve',
      vegaLite: {
        width: 260,
        height: 260,
        data: { values: pr },
        // Steps, so that the area drawn is the average precision.
        mark: { type: 'line', interpolate: 'step-before' },
        encoding: {
          x: axis('recall', 'recall'),
          y: axis('precision', 'precision'),
          color: { field: 'class', type: 'nominal', legend },
          order: { field: 'recall' },
        },
      },
    });
  }
  return sections;
}

/** The headline metrics, then one row per class. */
export function metricsTables(m: Metrics): [headline: ReportSection, perClass: ReportSection] {
  const rows: (string | number | null)[][] = [['n', m.n]];
  for (const name of scalarMetrics) if (name in m) rows.push([name, m[name] ?? null]);
  return [
    { title: 'Metrics', table: { columns: ['metric', 'value'], rows } },
    {
      title: 'Metrics per class',
      table: {
        columns: ['class', 'precision', 'recall', 'f1', 'support', 'roc_auc', 'pr_auc'],
        rows: m.perClass.map((c) => [c.class, c.precision, c.recall, c.f1, c.support, c.roc_auc, c.pr_auc]),
      },
    },
  ];
}

/** Cross-validation: each fold's metrics, then mean ± sd. */
export function foldsTable(
  folds: Metrics[],
  summary: Record<string, { mean: number; sd: number } | null>,
): ReportSection {
  const names = ['accuracy', 'precision', 'recall', 'f1', 'mcc', 'roc_auc', 'pr_auc'] as const;
  return {
    title: `Cross-validation: ${folds.length} folds`,
    table: {
      columns: ['fold', 'n', ...names],
      rows: [
        ...folds.map((f, i) => [`fold ${i + 1}`, f.n, ...names.map((n) => f[n])]),
        [
          'mean ± sd',
          folds.reduce((a, f) => a + f.n, 0),
          ...names.map((n) => (summary[n] ? `${d4(summary[n].mean)} ± ${d4(summary[n].sd)}` : 'NA')),
        ],
      ],
    },
  };
}
