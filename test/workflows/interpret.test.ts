import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/plugin-api/random.js';
import { cli, repoRoot, tempDir } from '../helpers.js';

const tsv = (path: string) =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.split('\t'));

describe('workflows/interpret.yaml on the promoter-classifier bundle', () => {
  const out = tempDir('interpret');
  const model = join(out, 'classifier', 'model');
  beforeAll(async () => {
    const trained = await cli(
      [
        'run',
        'workflows/promoter-classifier.yaml',
        // Six epochs (as promoter-classifier's own test) find both boxes, as the default twelve do.
        '-p',
        'epochs=6',
        '-p',
        `outdir=${join(out, 'classifier')}`,
        '--work-dir',
        join(out, 'work'),
      ],
      { cwd: repoRoot },
    );
    expect(trained.code, trained.stderr).toBe(0);
  }, 120_000);

  it('ISM of the sample promoters finds the planted -35 TTGACA and -10 TATAAT among the top three motifs', async () => {
    const dir = join(out, 'ism');
    const run = await cli(
      [
        'run',
        'workflows/interpret.yaml',
        '-p',
        `model=${model}`,
        '-p',
        `outdir=${dir}`,
        '--work-dir',
        join(out, 'work'),
      ],
      { cwd: repoRoot },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('ISM: fast');
    const ism = tsv(join(dir, 'ism.tsv'));
    expect(ism[0]).toEqual(['id', 'pos', 'ref', 'alt', 'score_ref', 'score_alt', 'delta']);
    expect(ism).toHaveLength(1 + 400 * 81 * 3); // 400 promoters of 81 bp, 3 substitutions a base
    const row = ism[1]!;
    expect(Number(row[6])).toBeCloseTo(Number(row[5]) - Number(row[4]), 5);
    const attributions = tsv(join(dir, 'attributions.tsv'));
    expect(attributions).toHaveLength(1 + 400 * 81);
    const motifs = tsv(join(dir, 'motifs.tsv'));
    expect(motifs[0]).toEqual([
      'motif',
      'consensus',
      'support',
      'known',
      'score',
      'similarity',
      'offset',
      'strand',
      'overlap',
    ]);
    const top = motifs.slice(1, 4);
    expect(top.map((m) => m[1])).toEqual(expect.arrayContaining(['TTGACA', 'TATAAT']));
    for (const m of top.filter((m) => m[1] === 'TTGACA' || m[1] === 'TATAAT')) {
      expect(m[3]).toBe(m[1] === 'TTGACA' ? 'minus35' : 'minus10');
      expect(Number(m[5])).toBeGreaterThan(0.95);
      expect(m[7]).toBe('+');
    }
    const meme = readFileSync(join(dir, 'motifs.meme'), 'utf8');
    expect(meme).toMatch(/^MEME version 4\n/);
    expect(meme).toMatch(
      /MOTIF motif_1 (TTGACA|TATAAT)\nletter-probability matrix: alength= 4 w= 6 nsites= \d+ E= 0\n/,
    );
    expect(readFileSync(join(dir, 'logos', 'motif_1.svg'), 'utf8')).toMatch(/^<svg /);
  }, 120_000);

  it('integrated gradients over windows of a genome give a tabix-indexed bedGraph peaking on a planted promoter', async () => {
    const dir = join(out, 'genome');
    const rng = new Rng(3);
    const bases = Array.from({ length: 1620 }, () => 'ACGT'[rng.below(4)]);
    // A promoter in window 11 (bases 810-890): -35 box at 825, -10 box 17 bp after it.
    bases.splice(825, 6, ...'TTGACA');
    bases.splice(848, 6, ...'TATAAT');
    const fasta = join(out, 'genome.fa');
    writeFileSync(fasta, `>chrT\n${bases.join('').replace(/(.{60})/g, '$1\n')}\n`);
    const workflow = join(out, 'windows.yaml');
    writeFileSync(
      workflow,
      `name: windows
stages:
  genome: { uses: fasta.read, with: { path: ${fasta} } }
  windows: { uses: fasta.windows, from: genome, with: { size: 81, step: 81 } }
  tokens: { uses: kmer.encode, from: windows, with: { k: 4, max-tokens: 128 } }
  attributions:
    uses: tfjs.interpret
    from: tokens
    with: { model: ${model}, method: integrated-gradients, steps: 32, out: ${dir} }
`,
    );
    const run = await cli(['run', workflow, '--work-dir', join(out, 'work')], { cwd: repoRoot });
    expect(run.code, run.stderr).toBe(0);
    const track = join(dir, 'attributions.bedgraph.gz');
    const lines = execFileSync('tabix', [track, 'chrT'], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(lines).toHaveLength(1620);
    expect(lines[0]).toMatch(/^chrT\t0\t1\t/);
    const region = execFileSync('tabix', [track, 'chrT:826-831'], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(region.map((l) => l.split('\t')[1])).toEqual(['825', '826', '827', '828', '829', '830']);
    const best = lines.map((l) => l.split('\t')).sort((a, b) => Number(b[3]) - Number(a[3]))[0]!;
    const peak = Number(best[1]);
    expect((peak >= 825 && peak < 831) || (peak >= 848 && peak < 854), `peak at ${peak}`).toBe(true);
  }, 120_000);
});
