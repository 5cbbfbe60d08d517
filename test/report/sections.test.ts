import { describe, expect, it } from 'vitest';
import { classificationMetrics, summariseFolds } from '../../plugins/tfjs/metrics.js';
import {
  confusionMatrixChart,
  curveCharts,
  foldsTable,
  metricsTables,
  trainingCurves,
} from '../../plugins/tfjs/report-charts.js';
import { vegaLiteSvg } from '../../src/engine/report/vega-svg.js';

/** Nine rows of three classes, scores rows × classes; row 8 is predicted wrong. */
const classes = ['a', 'b', 'c'];
const truth = [0, 0, 0, 1, 1, 1, 2, 2, 2];
const probabilities = new Float32Array([
  0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1, 0.8, 0.1, 0.2, 0.6, 0.2, 0.3, 0.4, 0.3, 0.1, 0.1, 0.8,
  0.2, 0.2, 0.6, 0.5, 0.2, 0.3,
]);
const predicted = [0, 0, 0, 1, 1, 1, 2, 2, 0];
const metrics = classificationMetrics(classes, truth, predicted, probabilities);

/** The marks Vega drew (its `role-mark` groups' items) and every text of the SVG. */
const drawn = (svg: string) => ({
  marks:
    (svg.match(/class="mark-[a-z]+ role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g) ?? [])
      .join('')
      .match(/<(path|text|line)\b/g)?.length ?? 0,
  texts: [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]),
});

describe('tfjs report sections, drawn by the report renderer', () => {
  it('confusion matrix: one cell per true × predicted pair, with its count written in', async () => {
    const section = confusionMatrixChart(metrics);
    const values = (
      section.vegaLite!.data as { values: { true: string; predicted: string; count: number }[] }
    ).values;
    expect(values).toHaveLength(9);
    expect(values.find((v) => v.true === 'c' && v.predicted === 'a')!.count).toBe(1);
    expect(values.find((v) => v.true === 'c' && v.predicted === 'c')!.count).toBe(2);
    const { marks, texts } = drawn(await vegaLiteSvg(section.vegaLite!));
    expect(marks).toBeGreaterThanOrEqual(18);
    expect(texts.filter((t) => t === '3')).toHaveLength(2);
    expect(texts.filter((t) => t === '0')).toHaveLength(5);
  });

  it('ROC and PR curves: one-vs-rest, one line per class with its AUC in the legend', async () => {
    const [roc, pr] = curveCharts(metrics, truth, probabilities);
    expect(roc!.title).toBe('ROC curve');
    expect(pr!.title).toBe('Precision-recall curve');
    const rocTexts = drawn(await vegaLiteSvg(roc!.vegaLite!)).texts;
    for (const c of metrics.perClass) expect(rocTexts).toContain(`${c.class} (AUC ${c.roc_auc!.toFixed(4)})`);
    const prTexts = drawn(await vegaLiteSvg(pr!.vegaLite!)).texts;
    for (const c of metrics.perClass) expect(prTexts).toContain(`${c.class} (AP ${c.pr_auc!.toFixed(4)})`);
  });

  it('with two classes only the positive (last) class is drawn, as roc_auc scores it', () => {
    const two = classificationMetrics(
      ['neg', 'pos'],
      [0, 1, 1, 0],
      [0, 1, 1, 1],
      new Float32Array([0.9, 0.1, 0.2, 0.8, 0.4, 0.6, 0.3, 0.7]),
    );
    const [roc] = curveCharts(two, [0, 1, 1, 0], new Float32Array([0.9, 0.1, 0.2, 0.8, 0.4, 0.6, 0.3, 0.7]));
    const layers = roc!.vegaLite!.layer as { data: { values: { class: string }[] } }[];
    expect(new Set(layers[1]!.data.values.map((v) => v.class))).toEqual(
      new Set([`pos (AUC ${two.roc_auc!.toFixed(4)})`]),
    );
  });

  it('no curves when the labels hold one class', () => {
    const one = classificationMetrics(['a', 'b'], [1, 1], [1, 0], new Float32Array([0.2, 0.8, 0.6, 0.4]));
    expect(curveCharts(one, [1, 1], new Float32Array([0.2, 0.8, 0.6, 0.4]))).toEqual([]);
  });

  it('training curves: a point per epoch and series present, drawn with the kept epoch marked', async () => {
    const history = [1, 2, 3, 4].map((epoch) => ({
      epoch,
      loss: 1 / epoch,
      accuracy: 0.5 + epoch / 10,
      ...(epoch < 4 ? { valLoss: 1.1 / epoch, valAccuracy: 0.5, valMcc: 0.1 * epoch } : {}),
      samplesPerSecond: 100,
      seconds: 1,
    }));
    const section = trainingCurves(history, 3);
    expect((section.vegaLite!.data as { values: unknown[] }).values).toHaveLength(4 * 2 + 3 * 3);
    const svg = await vegaLiteSvg(section.vegaLite!);
    const symbols = svg.match(/<g class="mark-symbol role-mark[^"]*"[^>]*>[\s\S]*?<\/g>/g) ?? [];
    expect(symbols.join('').match(/<path\b/g)).toHaveLength(4 * 2 + 3 * 3);
    expect(drawn(svg).texts).toContain('kept the weights of epoch 3 of 4');
  });

  it('metrics tables and the cross-validation table with mean ± sd', () => {
    const [headline, perClass] = metricsTables(metrics);
    expect(headline.table!.rows).toContainEqual(['accuracy', 8 / 9]);
    expect(headline.table!.rows).toContainEqual(['n', 9]);
    expect(perClass.table!.rows.map((r) => r[0])).toEqual(classes);
    const folds = [metrics, classificationMetrics(classes, truth, truth, probabilities)];
    const table = foldsTable(folds, summariseFolds(folds)).table!;
    expect(table.columns.slice(0, 3)).toEqual(['fold', 'n', 'accuracy']);
    expect(table.rows[1]!.slice(0, 3)).toEqual(['fold 2', 9, 1]);
    const mean = (8 / 9 + 1) / 2;
    expect(table.rows[2]!.slice(0, 3)).toEqual([
      'mean ± sd',
      18,
      // the sample sd (n-1) of two folds: |a - b| / sqrt(2)
      `${mean.toFixed(4)} ± ${((1 - 8 / 9) / Math.SQRT2).toFixed(4)}`,
    ]);
  });
});
