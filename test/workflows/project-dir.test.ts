import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, writeFile } from '../helpers.js';

describe('${projectDir}', () => {
  it('a bundled workflow runs with its sample defaults from any directory', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'genoflow-elsewhere-'));
    const run = await cli(['run', join(repoRoot, 'workflows/bam-kmer-profile.yaml'), '-q'], {
      cwd: elsewhere,
    });
    expect(run.code, run.stderr).toBe(0);
    // Its outputs go where it was run from, as for any relative outdir.
    const summary = readFileSync(join(elsewhere, 'results/bam-kmer-profile/summary.tsv'), 'utf8');
    expect(summary.split('\n').slice(0, 3)).toEqual([
      'sample\treads\tbases\tgc\tkmers\tdistinct',
      expect.stringMatching(/^sampleA\t3000\t300000\t/),
      expect.stringMatching(/^sampleB\t3000\t300000\t/),
    ]);
  });

  it("is the workflow's folder where no package.json is above it, and only defaults expand it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genoflow-project-'));
    writeFile(dir, 'data.txt', 'from the project\n');
    writeFile(
      dir,
      'wf.yaml',
      'name: p\nparams:\n  input: "${projectDir}/data.txt"\nstages:\n  read:\n    uses: text.read\n    with: { path: "${params.input}" }\n  out:\n    uses: text.write\n    from: read\n    with: { path: "-" }\n',
    );
    const run = await cli(['run', join(dir, 'wf.yaml'), '-q'], { cwd: tmpdir() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toBe('from the project\n');
    // A value given with -p is data: not expanded.
    const given = await cli(['run', join(dir, 'wf.yaml'), '-q', '-p', 'input=${projectDir}/data.txt'], {
      cwd: tmpdir(),
    });
    expect(given.code).toBe(2);
    expect(given.stderr).toContain('input file ${projectDir}/data.txt does not exist');
  });
});
