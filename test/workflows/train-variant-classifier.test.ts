import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir } from '../helpers.js';

describe('workflows/train-variant-classifier.yaml, then score-variants.yaml with defaults', () => {
  it('trains on chr1, evaluates on the held-out chr2, and the scorer picks the bundle up by default', async () => {
    // A directory standing in for the repo root: samples/ linked in, results/ written here,
    // so both workflows run with their default paths without touching the checkout.
    const home = tempDir('variant-home');
    symlinkSync(join(repoRoot, 'samples'), join(home, 'samples'));
    const train = await cli(
      ['run', join(repoRoot, 'workflows/train-variant-classifier.yaml'), '-p', 'epochs=6'],
      {
        cwd: home,
      },
    );
    expect(train.code, train.stderr).toBe(0);
    const out = join(home, 'results/train-variant-classifier');
    for (const file of ['model.json', 'weights.bin', 'tokenizer.json', 'labels.json', 'training.json']) {
      expect(existsSync(join(out, 'model', file))).toBe(true);
    }
    // 180 pathogenic + 180 benign per chromosome; the 80 VUS are not mapped and are dropped.
    expect(train.stderr).toContain(
      '[labelled] labelled by CLNSIG: pathogenic 360, benign 360; dropped: unmapped 80',
    );
    expect(train.stderr).toContain(
      '[labelled] dropped 80 unmapped (CLNSIG value not in the map): Uncertain_significance ×80',
    );
    expect(JSON.parse(readFileSync(join(out, 'model/task.json'), 'utf8'))).toEqual({
      labels: ['benign', 'pathogenic'],
      positive: 'pathogenic',
    });
    expect(train.stderr).toContain('[train-set] train 360 of 720 records (held out: chr2)');
    expect(train.stderr).toContain('[test-set] test 360 of 720 records (held out: chr2)');
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.n).toBe(360);
    // Pathogenic sites sit next to a planted E-box; six epochs of the CNN reach 0.89 accuracy
    // and ROC AUC 0.95 on chr2 (measured), against 0.5 for chance on this balanced set.
    expect(metrics.accuracy).toBeGreaterThan(0.75);
    expect(metrics.roc_auc).toBeGreaterThan(0.85);

    const calls = readFileSync(join(repoRoot, 'samples/variants/calls.vcf'));
    const score = await cli(['run', join(repoRoot, 'workflows/score-variants.yaml')], {
      cwd: home,
      input: calls,
    });
    expect(score.code, score.stderr).toBe(0);
    const body = score.stdout
      .toString()
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(body).toHaveLength(300);
    expect(body.every((l) => /\tGF_SCORE=0\.\d+|\tGF_SCORE=1$/.test(l))).toBe(true);
    expect(score.stderr).toContain('[checked] 0 of 300 records invalid');

    // A model of another task (here the same network relabelled as a promoter model) is refused.
    const other = join(home, 'promoter-model');
    cpSync(join(out, 'model'), other, { recursive: true });
    writeFileSync(join(other, 'labels.json'), JSON.stringify(['other', 'promoter']));
    writeFileSync(
      join(other, 'task.json'),
      JSON.stringify({ labels: ['other', 'promoter'], positive: 'promoter' }),
    );
    const refused = await cli(
      ['run', join(repoRoot, 'workflows/score-variants.yaml'), '-p', `model=${other}`],
      {
        cwd: home,
        input: calls,
      },
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `${other}: the model has no class "pathogenic" to score: its labels are other, promoter (positive class promoter)`,
    );
  }, 120_000);
});
