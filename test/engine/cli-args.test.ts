import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeFile } from '../helpers.js';

const dir = tempDir('cli-args');
const values = ['a #b', '#c', '&& d', '*', '| x', 'k: v', '[1, 2', '`x', '  pad  ', '-1x', 'x=y'];
const workflow = writeFile(
  dir,
  'values.yaml',
  JSON.stringify({
    name: 'values',
    params: Object.fromEntries(values.map((_, i) => [`v${i}`, ''])),
    stages: {
      show: {
        uses: 'shell.run',
        with: { command: ['printf', '[%s]\n', ...values.map((_, i) => `\${params.v${i}}`)] },
      },
      out: { uses: 'text.write', from: 'show', with: { path: '-' } },
    },
  }),
);

/** No stack trace: no `    at fn (file:line)` lines. */
const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

describe('-p values', () => {
  it('arrive as typed: #, &&, *, |, ": ", [, a leading backtick, leading and trailing spaces', async () => {
    const run = await cli(['run', workflow, '-q', ...values.flatMap((v, i) => ['-p', `v${i}=${v}`])], {
      cwd: dir,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toBe(values.map((v) => `[${v}]\n`).join(''));
  });

  it('a -p before the workflow takes one value, and leaves the workflow file alone', async () => {
    const run = await cli(['run', '-p', 'v0=first', workflow, '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString().split('\n')[0]).toBe('[first]');
  });

  it.each([
    [['-p'], /^genoflow: Not enough arguments following: p$/m],
    [['-p', 'v0'], /^genoflow: -p v0: expected name=value$/m],
    [['-p', '=1'], /^genoflow: -p =1: expected name=value$/m],
    [['-p', 'nope=1'], /^genoflow: -p nope=1: unknown param "nope"; .*values\.yaml declares "v0", /m],
    [['--bogus-flag'], /^genoflow: unknown option --bogus-flag$/m],
  ])('usage error %j exits 2 with one message', async (args, message) => {
    const run = await cli(['run', workflow, ...args], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    noStack(run.stderr);
  });
});

describe("Nextflow's single-dash flags", () => {
  const wf = writeFile(
    dir,
    'nf.yaml',
    'name: nf\nparams:\n  word: hi\nstages:\n  say:\n    uses: shell.run\n    with: { command: [echo, "${params.word}"] }\n    store: true\n  out:\n    uses: text.write\n    from: say\n    with: { path: out.txt }\n',
  );

  it('-params-file, -w, -with-trace, -with-report and -resume work as their genoflow options', async () => {
    const cwd = tempDir('nf');
    const params = writeFile(cwd, 'p.yaml', 'word: from-file\n');
    const first = await cli(['run', wf, '-q', '-params-file', params, '-w', 'wd', '-with-trace', 't.tsv'], {
      cwd,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('from-file\n');
    expect(existsSync(join(cwd, 'wd', 'cache'))).toBe(true);
    expect(readFileSync(join(cwd, 't.tsv'), 'utf8')).toMatch(/^say\tshell\.run\tCOMPLETED\t/m);
    const again = await cli(
      ['run', wf, '-q', '-resume', '-params-file', params, '-w', 'wd', '-with-trace', '-with-report'],
      {
        cwd,
      },
    );
    expect(again.code, again.stderr).toBe(0);
    // -with-trace with no file writes trace.tsv, as Nextflow writes its default trace file
    expect(readFileSync(join(cwd, 'trace.tsv'), 'utf8')).toMatch(/^say\tshell\.run\tCACHED\t/m);
    expect(readFileSync(join(cwd, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it.each([
    [
      '-profile',
      'docker',
      /^genoflow: --profile docker: no genoflow\.config\.yaml beside .*\(or pass --config FILE\)$/m,
    ],
    [
      '-with-dag',
      'dag.png',
      /^genoflow: genoflow has no -with-dag: print the DAG with `genoflow dag WORKFLOW`/m,
    ],
    ['-bg', '', /^genoflow: unknown option -bg: genoflow's options start with two dashes/m],
  ])('%s is refused in one sentence naming what to use', async (flag, value, message) => {
    const run = await cli(['run', wf, flag, ...(value ? [value] : [])], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/Unknown arguments/);
  });
});

describe('stack traces', () => {
  it('are printed only with --log-level debug', async () => {
    const bad = writeFile(
      dir,
      'bad.yaml',
      'name: b\nstages:\n  a:\n    uses: text.read\n    with: { path: x, nope: 1 }\n',
    );
    const plain = await cli(['validate', bad], { cwd: dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe('bad.yaml:5:22: stage "a": unknown parameter "nope"\n');
    const debug = await cli(['validate', bad, '--log-level', 'debug'], { cwd: dir });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });
});
