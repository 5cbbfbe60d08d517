import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir } from '../helpers.js';
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
  }, 90_000);
});
