import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir, writeFile } from '../../test/helpers.js';

describe('plugins/example (a third-party style plugin)', () => {
  it('is found by genoflow and its stage runs in a workflow', async () => {
    const listed = await cli(['plugins'], { cwd: repoRoot });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.toString()).toMatch(/example\.gc +\(sequence\) -> record/);

    const dir = tempDir('example');
    const fasta = writeFile(dir, 'in.fa', '>a\nACGT\n>b\nGGGCCN\n>c\nAT\n>d\nNNNN\n');
    const workflow = writeFile(
      dir,
      'gc.yaml',
      `name: gc
stages:
  sequences:
    uses: fasta.read
    with: { path: ${fasta} }
  gc:
    uses: example.gc
    from: sequences
    with: { min-length: 3 }
  out:
    uses: table.write
    from: gc
    with: { path: ${join(dir, 'gc.tsv')} }
`,
    );
    const run = await cli(['run', workflow, '--work-dir', join(dir, 'work')], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    // c is shorter than 3; d has no A/C/G/T, so its GC fraction is NaN (written NA).
    expect(readFileSync(join(dir, 'gc.tsv'), 'utf8')).toBe('id\tlength\tgc\na\t4\t0.5\nb\t6\t1\nd\t4\tNA\n');
    expect(run.stderr).toContain('[gc] dropped 1 sequences shorter than 3');
  }, 30_000);
});
