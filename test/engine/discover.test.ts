import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir, writeFile } from '../helpers.js';

const line = (text: string, start: RegExp) => text.split('\n').find((l) => start.test(l));

describe('discovering params', () => {
  it('genoflow plugins STAGE lists each param with its type, default and description', async () => {
    const run = await cli(['plugins', 'kmer.encode'], { cwd: repoRoot });
    expect(run.code).toBe(0);
    const out = run.stdout.toString();
    expect(out.split('\n')[0]).toMatch(/^kmer\.encode\s+\(sequence\) -> token-batch$/);
    expect(line(out, /^\s+k\s/)).toMatch(/^\s+k\s+integer 1\.\.12\s+k-mer length \(default 6; 1 for base\)$/);
    expect(line(out, /^\s+max-tokens\s/)).toMatch(/integer >= 1\s+default 512\s+row length/);
    expect(line(out, /^\s+truncate\s/)).toMatch(/head\|tail\|centre\s+default head/);
  });

  it('a mistyped stage is a usage error with a suggestion', async () => {
    const run = await cli(['plugins', 'kmer.encod'], { cwd: repoRoot });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'genoflow: no stage "kmer.encod" (did you mean "kmer.encode"?); see genoflow plugins\n',
    );
  });

  it('genoflow run WF --help and genoflow params WF list the workflow params with defaults', async () => {
    for (const args of [
      ['run', 'workflows/promoter-classifier.yaml', '--help'],
      ['params', 'workflows/promoter-classifier.yaml'],
    ]) {
      const run = await cli(args, { cwd: repoRoot });
      expect(run.code).toBe(0);
      const out = run.stdout.toString();
      expect(out).toMatch(/^promoter-classifier: Labelled sequences/m);
      expect(line(out, /^\s+positives\s/)).toMatch(
        /^\s+positives\s+string\s+default \$\{projectDir\}\/samples\/promoters\/positives\.fa\s+FASTA of the promoter class$/,
      );
      expect(line(out, /^\s+epochs\s/)).toMatch(/number\s+default 12\s+most passes/);
    }
  });

  it('reads a param description from the comment above it or beside it', async () => {
    const dir = tempDir('params');
    const wf = writeFile(
      dir,
      'wf.yaml',
      'name: w\nparams:\n  # the input table\n  table: a.tsv\n  n: 3  # rows to keep\n  tags: [x, y]\nstages:\n  a:\n    uses: text.read\n    with: { path: "${params.table}" }\n',
    );
    const run = await cli(['params', wf]);
    const out = run.stdout.toString();
    expect(line(out, /^\s+table\s/)).toMatch(/string\s+default a\.tsv\s+the input table$/);
    expect(line(out, /^\s+n\s/)).toMatch(/number\s+default 3\s+rows to keep$/);
    expect(line(out, /^\s+tags\s/)).toMatch(/list\s+default \["x","y"\]$/);
  });
});

describe('genoflow why', () => {
  it('on a work dir where the workflow never ran, says so', async () => {
    const dir = tempDir('why');
    const run = await cli(
      ['why', `${repoRoot}/workflows/promoter-classifier.yaml`, 'model', '--work-dir', `${dir}/work`],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe(
      `model: runs: workflow promoter-classifier has never run in ${dir}/work\n`,
    );
  });
});

describe('genoflow --help', () => {
  it('ends with the commands by task, as a Nextflow user looks for them, lines whole', async () => {
    const run = await cli(['--help'], { cwd: repoRoot });
    expect(run.code).toBe(0);
    const out = run.stdout.toString();
    const byTask = out.slice(out.indexOf('By task:'));
    expect(
      byTask
        .split('\n')
        .slice(1, 8)
        .map((l) => l.trim().split(/\s{2,}/)[0]),
    ).toEqual([
      'run a pipeline',
      'resume after a fix',
      'what would run',
      'inspect',
      'past runs',
      'housekeeping',
      'models',
    ]);
    expect(byTask).toContain('(Nextflow: nextflow log)');
  });
});
