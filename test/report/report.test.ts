import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatDuration, formatRate, formatValue, throughput } from '../../src/engine/report/format.js';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, repoRoot, tempDir } from '../helpers.js';
import { type Figure, launchChromium, type Opened, openReport } from './browser.js';

const workflow = 'workflows/promoter-classifier.yaml';
const shots = join(repoRoot, 'test/out/report');
const out = tempDir('report');
const work = tempDir('report-work');
const run = (...extra: string[]) =>
  cli(['run', workflow, '-p', 'epochs=3', '-p', `outdir=${out}`, '--work-dir', work, ...extra], {
    cwd: repoRoot,
  });

const figure = (opened: Opened, name: string, stage: string | null = null): Figure => {
  const found = opened.figures.find((f) => f.name === name && f.stage === stage);
  if (!found) throw new Error(`no chart "${name}"${stage ? ` of stage ${stage}` : ''} in the report`);
  return found;
};

/** Every number a confusion-matrix cell shows, sorted. */
const cellCounts = (f: Figure, classes: string[]) =>
  f.texts
    .filter((t) => /^\d+$/.test(t) && !classes.includes(t))
    .map(Number)
    .sort((a, b) => a - b);

/** The offline checks every report must pass, whatever the run did. */
function expectSelfContained(html: string, opened: Opened): void {
  expect(html).not.toMatch(/https?:\/\//);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|\b(?:src|href)\s*=/i);
  // The only url(...) is the DAG's arrow marker, a fragment of the page itself.
  expect(html.match(/url\([^)]*\)/g)?.every((u) => u === 'url(#gf-dag-arrow)') ?? true).toBe(true);
  expect(opened.consoleErrors).toEqual([]);
  expect(opened.requests).toEqual([]);
  expect(opened.failed).toEqual([]);
  for (const f of opened.figures) expect(f.marks, `chart ${f.stage ?? ''} ${f.name}`).toBeGreaterThan(0);
}

describe('genoflow run --report', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('writes one self-contained HTML file with the run’s own DAG, timeline, stage figures and ML charts', async () => {
    const report = join(out, 'report.html');
    const result = await run('--report', report, '--trace', join(out, 'trace.tsv'));
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(report, 'utf8');
    const opened = await openReport(browser, report, join(shots, 'report.png'));
    expectSelfContained(html, opened);

    const trace = parseTrace(readFileSync(join(out, 'trace.tsv'), 'utf8'));
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const spec = parse(readFileSync(join(repoRoot, workflow), 'utf8'));
    const edges = Object.values(
      spec.stages as Record<string, { from?: string | Record<string, string> }>,
    ).reduce(
      (n, s) => n + (s.from === undefined ? 0 : typeof s.from === 'string' ? 1 : Object.keys(s.from).length),
      0,
    );

    // The DAG: a box per stage, an arrow per input, each box with its status and records out.
    const dag = figure(opened, 'dag');
    expect(dag.marks).toBe(trace.length + edges);
    for (const row of trace)
      expect(dag.texts).toContain(`${row.status} · ${formatValue(row.records_out)} out`);
    expect(dag.texts).toContain('token-batch');
    expect(dag.texts).toContain('model: model');

    // Timeline and per-stage charts, one bar per stage.
    for (const name of ['timeline', 'records', 'throughput']) {
      const f = figure(opened, name);
      for (const row of trace) expect(f.texts, name).toContain(row.stage);
    }
    // Memory is sampled every 100 ms: a stage that ended sooner has none to chart.
    const sampled = trace.filter((r) => r.peak_rss_mb > 0);
    expect(sampled.map((r) => r.stage)).toContain('model');
    const memory = figure(opened, 'peak-rss').texts;
    for (const row of trace) expect(memory.includes(row.stage)).toBe(row.peak_rss_mb > 0);
    for (const row of sampled) expect(memory).toContain(formatValue(row.peak_rss_mb));
    const recordLabels = figure(opened, 'records').texts;
    for (const row of trace) expect(recordLabels).toContain(formatValue(row.records_out));
    const rates = figure(opened, 'throughput').texts;
    for (const row of trace)
      expect(rates).toContain(formatRate(throughput(row.records_out, row.duration_ms)));
    const stageRows = opened.tables.stages!;
    expect(stageRows.map((r) => r[0])).toEqual(trace.map((r) => r.stage));
    for (const [i, row] of trace.entries()) {
      expect(stageRows[i]![2]).toBe('COMPLETED');
      // Running and waiting add up to the duration.
      expect(stageRows[i]![6]).toBe(formatDuration(row.duration_ms - Math.min(row.wait_ms, row.duration_ms)));
      expect(stageRows[i]![7]).toBe(formatDuration(Math.min(row.wait_ms, row.duration_ms)));
      expect(stageRows[i]![9]).toBe(formatValue(row.records_out));
      expect(stageRows[i]![10]).toBe(formatRate(throughput(row.records_out, row.duration_ms)));
      expect(stageRows[i]![12]).toBe(row.peak_rss_mb > 0 ? formatValue(row.peak_rss_mb) : '');
    }

    // Training curves: loss, val_loss, accuracy, val_accuracy and val_mcc at each of 3 epochs.
    const curves = figure(opened, 'training-curves', 'model');
    for (const metric of ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'val_mcc'])
      expect(curves.texts).toContain(metric);
    const { history } = JSON.parse(readFileSync(join(out, 'model/training.json'), 'utf8'));
    const field: Record<string, string> = {
      loss: 'loss',
      val_loss: 'valLoss',
      accuracy: 'accuracy',
      val_accuracy: 'valAccuracy',
      val_mcc: 'valMcc',
    };
    expect(history).toHaveLength(3);
    expect(curves.points).toHaveLength(3 * 5);
    for (const point of curves.points) {
      const [epoch, value, metric] = point.split('; ').map((kv) => kv.split(': ')[1]!);
      expect(Number(value)).toBeCloseTo(history[Number(epoch) - 1][field[metric!]!], 9);
    }

    // Evaluation: the metrics table holds metrics.json's numbers, the heatmap its confusion counts.
    const table = Object.fromEntries(opened.tables.metrics!.map(([k, v]) => [k, v]));
    expect(table.accuracy).toBe(formatValue(metrics.accuracy));
    expect(table.mcc).toBe(formatValue(metrics.mcc));
    expect(table.roc_auc).toBe(formatValue(metrics.roc_auc));
    expect(table.n).toBe(formatValue(metrics.n));
    const confusion = figure(opened, 'confusion-matrix', 'evaluation');
    expect(cellCounts(confusion, metrics.classes)).toEqual(
      (metrics.confusion as number[][]).flat().sort((a, b) => a - b),
    );
    expect(figure(opened, 'roc-curve', 'evaluation').texts).toContain(
      `${metrics.classes.at(-1)} (AUC ${metrics.roc_auc.toFixed(4)})`,
    );
    expect(figure(opened, 'precision-recall-curve', 'evaluation').texts).toContain(
      `${metrics.classes.at(-1)} (AP ${metrics.pr_auc.toFixed(4)})`,
    );
    expect(opened.tables['metrics-per-class']!.map((r) => r[0])).toEqual(metrics.classes);
  }, 240_000);

  it('still shows every stage’s charts when the whole run comes from the cache', async () => {
    const report = join(out, 'resumed.html');
    const result = await run('--resume', '--report', report, '--trace', join(out, 'resumed.tsv'));
    expect(result.code, result.stderr).toBe(0);
    expect(
      parseTrace(readFileSync(join(out, 'resumed.tsv'), 'utf8')).every((r) => r.status === 'CACHED'),
    ).toBe(true);
    const html = readFileSync(report, 'utf8');
    const opened = await openReport(browser, report, join(shots, 'resumed.png'));
    expectSelfContained(html, opened);
    expect(opened.tables.stages!.every((r) => r[2] === 'CACHED')).toBe(true);
    expect(html).toContain('No stage ran in this run');
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(cellCounts(figure(opened, 'confusion-matrix', 'evaluation'), metrics.classes)).toEqual(
      (metrics.confusion as number[][]).flat().sort((a, b) => a - b),
    );
    for (const name of ['roc-curve', 'precision-recall-curve']) figure(opened, name, 'evaluation');
    figure(opened, 'training-curves', 'model');
    expect(Object.fromEntries(opened.tables.metrics!.map(([k, v]) => [k, v])).accuracy).toBe(
      formatValue(metrics.accuracy),
    );
  }, 120_000);
});
