import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, repoRoot, tempDir, writeFile } from '../helpers.js';

/** Every file under `dir`, by its path there, with its bytes. */
function filesOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(dir, name);
    try {
      files[name] = readFileSync(path, 'latin1');
    } catch {
      // a directory
    }
  }
  return files;
}

describe('executors', () => {
  it.each([['workflows/cohort-kmer-profile.yaml'], ['workflows/bam-kmer-profile.yaml']])(
    'in-process and process give byte-identical outputs on %s',
    async (workflow) => {
      const outputs = [];
      for (const executor of ['in-process', 'process']) {
        const dir = tempDir(`executor-${executor}`);
        const run = await cli(
          [
            'run',
            workflow,
            '-p',
            `outdir=${dir}/out`,
            '--work-dir',
            join(dir, 'work'),
            '--executor',
            executor,
            '--trace',
            join(dir, 't.tsv'),
          ],
          { cwd: repoRoot },
        );
        expect(run.code, run.stderr).toBe(0);
        const rows = parseTrace(readFileSync(join(dir, 't.tsv'), 'utf8'));
        expect(new Set(rows.map((r) => r.executor))).toEqual(new Set([executor]));
        if (executor === 'process') expect(rows.every((r) => Number(r.native_id) !== process.pid)).toBe(true);
        outputs.push(filesOf(join(dir, 'out')));
      }
      expect(Object.keys(outputs[0]!).length).toBeGreaterThan(1);
      expect(outputs[1]).toEqual(outputs[0]);
    },
    120_000,
  );

  it('on the process executor a failing task is named with its own error, and --resume re-runs only it', async () => {
    const dir = tempDir('executor-fail');
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: fail
stages:
  work:
    uses: shell.run
    each: [a, b, c]
    with: { command: "test -e ok-\${each.value} || test \${each.value} != b || exit 7; echo \${each.value}" }
    on-error: finish
`,
    );
    const args = ['run', wf, '--executor', 'process', '--trace', join(dir, 't.tsv')];
    const failed = await cli(args, { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/stage "work\[b\]" failed: command .* exited with status 7/);
    const first = Object.fromEntries(
      parseTrace(readFileSync(join(dir, 't.tsv'), 'utf8')).map((r) => [r.stage, r.status]),
    );
    expect(first).toEqual({ 'work[a]': 'COMPLETED', 'work[b]': 'FAILED', 'work[c]': 'COMPLETED' });
    writeFile(dir, 'ok-b', '');
    const fixed = await cli([...args, '--resume'], { cwd: dir });
    expect(fixed.code, fixed.stderr).toBe(0);
    const after = Object.fromEntries(
      parseTrace(readFileSync(join(dir, 't.tsv'), 'utf8')).map((r) => [r.stage, r.status]),
    );
    expect(after).toEqual({ 'work[a]': 'CACHED', 'work[b]': 'COMPLETED', 'work[c]': 'CACHED' });
  }, 60_000);
});
