import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, tempDir, writeFile } from '../helpers.js';

const input =
  Array.from({ length: 20_000 }, (_, i) => `read${i}\t${'acgt'.repeat(1 + (i % 7))}`).join('\n') + '\n';

/**
 * text.read -> one shell.run per command -> text.write. With `unfused`, every shell stage is
 * stored, so no edge between two of them streams: each command is its own process, fed and
 * read by genoflow.
 */
function chain(commands: Record<string, string>, unfused: boolean): string {
  let yaml = 'name: chain\nstages:\n  src:\n    uses: text.read\n    with: { path: in.txt }\n';
  let from = 'src';
  for (const [name, command] of Object.entries(commands)) {
    yaml += `  ${name}:\n    uses: shell.run\n    from: ${from}\n    with: { command: ${JSON.stringify(command)} }\n`;
    if (unfused) yaml += '    store: true\n';
    from = name;
  }
  return `${yaml}  out:\n    uses: text.write\n    from: ${from}\n    with: { path: out.txt }\n`;
}

/** Runs the chain fused and unfused, each in a fresh dir; returns both runs' results. */
async function bothWays(commands: Record<string, string>) {
  const runs = [];
  for (const unfused of [false, true]) {
    const dir = tempDir(unfused ? 'unfused' : 'fused');
    writeFile(dir, 'in.txt', input);
    writeFile(dir, 'wf.yaml', chain(commands, unfused));
    const run = await cli(['run', 'wf.yaml', '-q', '--trace', 'trace.tsv'], { cwd: dir });
    const trace = parseTrace(readFileSync(join(dir, 'trace.tsv'), 'utf8'));
    const row = (stage: string) => trace.find((r) => r.stage === stage)!;
    const output = run.code === 0 ? readFileSync(join(dir, 'out.txt'), 'utf8') : undefined;
    runs.push({ dir, run, row, output });
  }
  return { fused: runs[0]!, unfused: runs[1]! };
}

describe('shell stages that stream into each other run as one OS pipeline', () => {
  it('gives the bytes the unfused chain gives, with the middle stage reading a pipe, not genoflow', async () => {
    const { fused, unfused } = await bothWays({
      upper: 'tr a-z A-Z',
      // Where its stdin comes from: an OS pipe from `upper`, or a socket from genoflow.
      middle: 'readlink /proc/self/fd/0 > middle-stdin.txt; awk -F "\\t" \'{ print $2 "\\t" $1 }\'',
      sorted: 'sort -k1,1 -k2,2',
    });
    for (const { run } of [fused, unfused]) expect(run.code, run.stderr).toBe(0);
    expect(fused.output).toBe(unfused.output);
    expect(fused.output!.split('\n')[0]).toBe('ACGT\tREAD0');
    expect(fused.output!.trim().split('\n')).toHaveLength(20_000);

    expect(readFileSync(join(fused.dir, 'middle-stdin.txt'), 'utf8')).toMatch(/^pipe:/);
    expect(readFileSync(join(unfused.dir, 'middle-stdin.txt'), 'utf8')).toMatch(/^socket:/);
    for (const stage of ['upper', 'middle', 'sorted']) {
      expect(fused.row(stage).status).toBe('COMPLETED');
      expect(fused.row(stage).counters).toBe('os-pipeline-stages=3');
      expect(unfused.row(stage).counters).toBe('');
    }
    // Genoflow still counts what it feeds into the pipeline and what it reads out of it.
    expect(fused.row('upper').records_in).toBe(20_000);
    expect(fused.row('sorted').records_out).toBe(20_000);
    expect(unfused.row('middle').records_in).toBe(20_000);
  });

  it('a member that fails is named with its own exit status and stderr; what it feeds does not complete', async () => {
    const { fused, unfused } = await bothWays({
      upper: 'tr a-z A-Z',
      broken: 'head -n 100 > /dev/null; echo "no reference for chr7" >&2; exit 7',
      after: 'wc -l',
    });
    for (const { run, row, dir } of [fused, unfused]) {
      expect(run.code).toBe(1);
      // Nothing downstream took the cut input for a whole one.
      expect(existsSync(join(dir, 'out.txt'))).toBe(false);
      expect(run.stderr).toMatch(
        /stage "broken" failed: command head -n 100 .* exited with status 7; its stderr ended with:\n {2}no reference for chr7/,
      );
      expect(row('broken').status).toBe('FAILED');
      expect(row('after').status).not.toBe('COMPLETED');
      expect(row('out').status).not.toBe('COMPLETED');
    }
    expect(fused.row('after').status).toBe('ABORTED');
  });

  it('a member that closes its input early (head) cuts its upstream short, as unfused, and the run succeeds', async () => {
    const { fused, unfused } = await bothWays({
      numbered: 'cat -n',
      first: 'head -n 5',
      upper: 'tr a-z A-Z',
    });
    for (const { run } of [fused, unfused]) expect(run.code, run.stderr).toBe(0);
    expect(fused.output).toBe(unfused.output);
    expect(fused.output!.trim().split('\n')).toHaveLength(5);
    expect(fused.output!.split('\n')[4]).toMatch(/^ +5\tREAD4\t/);
    for (const stage of ['numbered', 'first', 'upper']) expect(fused.row(stage).status).toBe('COMPLETED');
  });

  it('a member killed for its time limit names that limit; the rest of the pipeline stops with it', async () => {
    const dir = tempDir('fused-time');
    writeFile(dir, 'in.txt', input);
    writeFile(
      dir,
      'wf.yaml',
      chain({ upper: 'tr a-z A-Z', slow: 'sleep 30; cat', after: 'cat' }, false).replace(
        '    from: upper\n',
        '    from: upper\n    time: 1s\n',
      ),
    );
    const started = Date.now();
    const run = await cli(['run', 'wf.yaml', '-q', '--trace', 'trace.tsv'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.stderr).toMatch(/stage "slow" failed: killed: ran past its time limit of 1 s/);
    const trace = parseTrace(readFileSync(join(dir, 'trace.tsv'), 'utf8'));
    expect(trace.find((r) => r.stage === 'slow')!.status).toBe('FAILED');
    expect(trace.find((r) => r.stage === 'after')!.status).toBe('ABORTED');
  });
});
