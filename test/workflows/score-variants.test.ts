import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir, writeFile } from '../helpers.js';
import { sharedData } from '../shared-data.js';

describe('workflows/score-variants.yaml', () => {
  it('streams a bgzipped VCF from stdin to stdout, adding INFO/GF_SCORE and nothing else', async () => {
    const out = tempDir('score-variants');
    // A small model: one epoch of the trainer on the samples is enough to test the plumbing.
    const train = await cli(
      [
        'run',
        'workflows/train-variant-classifier.yaml',
        '-p',
        'epochs=1',
        '-p',
        `outdir=${out}`,
        '--work-dir',
        join(out, 'work-train'),
      ],
      { cwd: repoRoot },
    );
    expect(train.code, train.stderr).toBe(0);

    const input = readFileSync(sharedData('vcf/bcftools/mpileup.vcf.gz'));
    const score = await cli(
      [
        'run',
        'workflows/score-variants.yaml',
        '-p',
        `model=${join(out, 'model')}`,
        '-p',
        `reference=${sharedData('bam/bcftools-mpileup/mpileup.ref.fa')}`,
        '--work-dir',
        join(out, 'work-score'),
      ],
      { cwd: repoRoot, input },
    );
    expect(score.code, score.stderr).toBe(0);
    const scored = join(out, 'scored.vcf');
    writeFileSync(scored, score.stdout);

    const inLines = gunzipSync(input).toString().trimEnd().split('\n');
    const outLines = score.stdout.toString().trimEnd().split('\n');
    const inBody = inLines.filter((l) => !l.startsWith('#'));
    const outBody = outLines.filter((l) => !l.startsWith('#'));
    expect(outBody).toHaveLength(4103);
    expect(outBody).toHaveLength(inBody.length);
    // The header gains exactly the GF_SCORE declaration and how the file was made.
    const added = outLines.filter((l) => l.startsWith('#') && !inLines.includes(l));
    expect(added).toHaveLength(3);
    expect(added[0]).toMatch(/^##INFO=<ID=GF_SCORE,Number=1,Type=Float,/);
    expect(added[1]).toBe(
      `##genoflowVersion=${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version}`,
    );
    expect(added[2]).toMatch(
      /^##genoflowCommand=genoflow run workflows\/score-variants\.yaml -p model=\S+ -p reference=\S+ --work-dir \S+; Date=\S+Z; run=\d{8}-\d{6}-\w{4}$/,
    );

    // Line by line: the input line, with GF_SCORE appended to INFO where a score exists.
    let missing = 0;
    for (const [i, line] of inBody.entries()) {
      const got = outBody[i]!;
      if (got === line) {
        missing++;
        continue;
      }
      const cols = line.split('\t');
      const score = /GF_SCORE=([^;\t]+)/.exec(got.split('\t')[7]!)![1]!;
      expect(Number(score)).toBeGreaterThanOrEqual(0);
      expect(Number(score)).toBeLessThanOrEqual(1);
      cols[7] = cols[7] === '.' ? `GF_SCORE=${score}` : `${cols[7]};GF_SCORE=${score}`;
      expect(got).toBe(cols.join('\t'));
    }
    // Most mpileup records carry only the symbolic <X> allele: no context, no score.
    const logged = /\[checked\] (\d+) of (\d+) records invalid \(written without GF_SCORE\)/.exec(
      score.stderr,
    );
    expect(logged, score.stderr).not.toBeNull();
    expect(Number(logged![1])).toBe(missing);
    expect(Number(logged![2])).toBe(inBody.length);
    expect(missing).toBeGreaterThan(0);
    expect(missing).toBeLessThan(inBody.length);

    // bcftools reads the output and sees every record.
    const view = spawnSync('bcftools', ['view', '-H', scored], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(view.status, view.stderr).toBe(0);
    expect(view.stdout.trimEnd().split('\n')).toHaveLength(inBody.length);
    const query = spawnSync('bcftools', ['query', '-i', 'INFO/GF_SCORE>=0', '-f', '%POS\\n', scored], {
      encoding: 'utf8',
    });
    expect(query.status, query.stderr).toBe(0);
    expect(query.stdout.trimEnd().split('\n')).toHaveLength(inBody.length - missing);

    // -p explain=true: each scored record also names the base of its window whose substitution
    // moves the score most, and by how much: what tfjs.interpret's naive ISM of the window says.
    const reference = sharedData('bam/bcftools-mpileup/mpileup.ref.fa');
    const header = inLines.filter((l) => l.startsWith('#'));
    const subset = inBody.filter((l, i) => outBody[i] !== l).slice(0, 20);
    writeFileSync(join(out, 'subset.vcf'), `${[...header, ...subset].join('\n')}\n`);
    const explained = await cli(
      [
        'run',
        'workflows/score-variants.yaml',
        '-p',
        `model=${join(out, 'model')}`,
        '-p',
        `reference=${reference}`,
        '-p',
        'explain=true',
        '-p',
        `input=${join(out, 'subset.vcf')}`,
        '--work-dir',
        join(out, 'work-explain'),
      ],
      { cwd: repoRoot },
    );
    expect(explained.code, explained.stderr).toBe(0);
    const explainedLines = explained.stdout.toString().trimEnd().split('\n');
    expect(explainedLines.filter((l) => /^##INFO=<ID=GF_TOP(POS|DELTA),/.test(l))).toHaveLength(2);
    writeFile(
      out,
      'ism.yaml',
      `name: ism\nstages:\n  variants:\n    uses: vcf.read\n    with: { path: subset.vcf }\n  context:\n    uses: fasta.context\n    from: variants\n    with: { reference: ${reference}, flank: 50 }\n  tokens:\n    uses: kmer.encode\n    from: context\n    with: { k: 4, max-tokens: 128 }\n  ism:\n    uses: tfjs.interpret\n    from: tokens\n    with: { model: model, method: ism, ism: naive, out: ism }\n`,
    );
    const ism = await cli(['run', 'ism.yaml', '-q', '--work-dir', 'work-ism'], { cwd: out });
    expect(ism.code, ism.stderr).toBe(0);
    // Per window (in record order), the first substitution of largest |delta|.
    const top = new Map<string, { pos: number; delta: number }>();
    for (const row of readFileSync(join(out, 'ism/ism.tsv'), 'utf8').trimEnd().split('\n').slice(1)) {
      const [id, pos, , , , , delta] = row.split('\t');
      const best = top.get(id!);
      if (!best || Math.abs(Number(delta)) > Math.abs(best.delta))
        top.set(id!, { pos: Number(pos), delta: Number(delta) });
    }
    const windows = [...top.values()];
    const body = explainedLines.filter((l) => !l.startsWith('#'));
    expect(body).toHaveLength(subset.length);
    expect(windows).toHaveLength(subset.length);
    for (const [i, line] of body.entries()) {
      const [, pos, , , , , , info] = line.split('\t');
      const topPos = Number(/GF_TOPPOS=([^;]+)/.exec(info!)![1]);
      const topDelta = Number(/GF_TOPDELTA=([^;]+)/.exec(info!)![1]);
      // The window starts `flank` bases before the variant (0-based), clipped at the contig's start.
      expect(topPos).toBe(Math.max(0, Number(pos) - 1 - 50) + windows[i]!.pos + 1);
      expect(topDelta).toBeCloseTo(windows[i]!.delta, 5);
    }
  }, 150_000);
});
