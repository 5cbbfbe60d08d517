import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir } from '../helpers.js';
import { launchChromium, openReport } from './browser.js';

const shots = join(repoRoot, 'test/out/report');

describe('the k-mer spectrum in the report', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('at k=5 shows the 64 most frequent k-mers per sample, each value readable on hover', async () => {
    const out = tempDir('spectrum');
    const report = join(out, 'report.html');
    const run = await cli(
      [
        'run',
        'workflows/bam-kmer-profile.yaml',
        '-p',
        'k=5',
        '-p',
        `outdir=${out}`,
        '--work-dir',
        join(out, 'work'),
        '--report',
        report,
      ],
      { cwd: repoRoot },
    );
    expect(run.code, run.stderr).toBe(0);
    const opened = await openReport(browser, report, join(shots, 'spectrum-k5.png'));
    const chart = opened.figures.find((f) => f.name.endsWith('5-mers-frequency-per-sample'));
    expect(chart, opened.figures.map((f) => f.name).join(', ')).toBeDefined();

    // The TSV's frequencies: sample -> kmer -> frequency.
    const [, ...rows] = readFileSync(join(out, 'spectrum.tsv'), 'utf8').trim().split('\n');
    const frequency = new Map<string, number>();
    for (const row of rows) {
      const [sample, kmer, , value] = row.split('\t');
      frequency.set(`${sample} ${kmer}`, Number(value));
    }
    const samples = new Set(rows.map((r) => r.split('\t')[0]));
    expect(chart!.hovers).toHaveLength(64 * samples.size);
    for (const hover of chart!.hovers) {
      const [, sample, kmer, value] = /^(.+) ([ACGT]{5}): (\d\.\d{5}) \([\d,]+ of [\d,]+ k-mers\)$/.exec(
        hover,
      )!;
      expect(Number(value)).toBeCloseTo(frequency.get(`${sample} ${kmer}`)!, 4);
    }
    // Every k-mer column has its own label: none merged, none missing.
    const labels = chart!.texts.filter((t) => /^[ACGT]{5}$/.test(t));
    expect(new Set(labels).size).toBe(64);
  });
});
