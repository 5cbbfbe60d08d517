import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/index.js';
import { runStageForTest, stageError } from '../../src/plugin-api/testing.js';
import { risk } from './risk.js';
import { outcomes } from './risk-phenotypes.js';

/** 200 samples x 6 variants; variant 2 alone decides the phenotype (a quantitative trait). */
function cohort() {
  const rng = new Rng(3);
  const samples = Array.from({ length: 200 }, (_, i) => `s${i}`);
  const cols = 6;
  const dosage = new Float32Array(samples.length * cols);
  for (let i = 0; i < dosage.length; i++) dosage[i] = rng.below(3);
  const variants = Array.from({ length: cols }, (_, j) => ({
    id: `v${j}`,
    chrom: '1',
    pos: j + 1,
    ref: 'A',
    alt: 'G',
    maf: 0.4,
  }));
  const phenotypes = samples.map((sample, i) => ({ sample, trait: dosage[i * cols + 2]! + rng.next() }));
  return { matrix: { samples, variants, dosage }, phenotypes };
}

describe('tfjs.risk', () => {
  it('separates cases from a quantitative trait by threshold and ranks the causal variant first', async () => {
    const { matrix, phenotypes } = cohort();
    const out = mkdtempSync(join(tmpdir(), 'risk-'));
    const { records } = await runStageForTest(risk, {
      params: { 'phenotype-column': 'trait', threshold: 1.5, epochs: 100, out, backend: 'cpu' },
      inputs: { in: [matrix], phenotypes },
    });
    expect(records).toHaveLength(200);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    // The trait is the dosage plus noise in [0, 1): dosage alone separates all but ties.
    expect(metrics.roc_auc.mean).toBeGreaterThan(0.9);
    const weights = readFileSync(join(out, 'weights.tsv'), 'utf8').split('\n');
    expect(weights[1]!.split('\t').slice(0, 2)).toEqual(['1', 'v2']);
  });

  it('says what it expected when the case value matches no sample', async () => {
    const { matrix, phenotypes } = cohort();
    const error = await stageError(risk, {
      params: { 'phenotype-column': 'trait', out: mkdtempSync(join(tmpdir(), 'risk-')), backend: 'cpu' },
      inputs: { in: [matrix], phenotypes },
    });
    expect(error.message).toMatch(
      /0 cases and 200 controls .*expected at least 5 of each .*case-value 'case'/,
    );
  });

  it('matches phenotypes to samples by name, leaving out missing values and unknown samples', () => {
    const found = outcomes(
      ['a', 'b', 'c', 'd'],
      [
        { id: 'd', status: 'case' },
        { id: 'b', status: 'control' },
        { id: 'c', status: 'NA' },
        { id: 'z', status: 'case' },
      ],
      { sampleColumn: 'id', phenotypeColumn: 'status', caseValue: 'case' },
    );
    expect(found).toEqual({
      rows: [1, 3],
      y: Float32Array.from([0, 1]),
      values: ['control', 'case'],
      withoutPhenotype: 2,
      withoutGenotypes: 1,
    });
  });
});
