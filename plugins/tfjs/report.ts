import { type Metrics, scalarMetrics } from './metrics.js';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'NA' : String(v));

/** metrics.tsv: `metric class value` rows (class `*` for the macro/overall value), then the confusion matrix. */
export function metricsTsv(m: Metrics): string {
  const lines = ['metric\tclass\tvalue'];
  for (const name of scalarMetrics) if (name in m) lines.push(`${name}\t*\t${fmt(m[name])}`);
  for (const c of m.perClass) {
    for (const name of ['precision', 'recall', 'f1', 'support', 'roc_auc', 'pr_auc'] as const)
      lines.push(`${name}\t${c.class}\t${fmt(c[name])}`);
  }
  m.confusion.forEach((row, t) => {
    for (const [p, n] of row.entries()) lines.push(`confusion:${m.classes[p]}\t${m.classes[t]}\t${n}`);
  });
  return `${lines.join('\n')}\n`;
}

/** Cross-validation summary TSV: `metric mean sd`. */
export function foldsTsv(summary: Record<string, { mean: number; sd: number } | null>): string {
  const lines = ['metric\tmean\tsd'];
  for (const [name, s] of Object.entries(summary)) lines.push(`${name}\t${fmt(s?.mean)}\t${fmt(s?.sd)}`);
  return `${lines.join('\n')}\n`;
}

/** A human-readable table of the metrics, for stderr. */
export function metricsTable(m: Metrics): string[] {
  const d = (v: number | null | undefined) => (v === null || v === undefined ? '   NA ' : v.toFixed(4));
  const lines = [
    `n=${m.n}  accuracy ${d(m.accuracy)}  MCC ${d(m.mcc)}  ROC AUC ${d(m.roc_auc)}  PR AUC ${d(m.pr_auc)}`,
  ];
  lines.push(`${'class'.padEnd(16)} precision recall  f1      support`);
  for (const c of m.perClass) {
    lines.push(`${c.class.padEnd(16)} ${d(c.precision)}    ${d(c.recall)}  ${d(c.f1)}  ${c.support}`);
  }
  lines.push(`${'macro'.padEnd(16)} ${d(m.precision)}    ${d(m.recall)}  ${d(m.f1)}  ${m.n}`);
  for (const [name, why] of Object.entries(m.undefinedBecause)) lines.push(`${name} undefined: ${why}`);
  return lines;
}
