import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliImports, repoRoot, tempDir, writeFile } from '../helpers.js';

// What each command loads at start-up (issue 17): only its own command module, and zod and
// yargs as one bundled file each (dist/src/vendor/), never as their packages' many modules.
const commandModules = (imports: string[]) =>
  imports.filter((u) => u.includes('/dist/src/cli/commands/')).map((u) => u.replace(/^.*\/commands\//, ''));
const packageModules = (imports: string[], names: RegExp) =>
  imports.filter((u) => u.includes('/node_modules/') && names.test(u.replace(/^.*\/node_modules\//, '')));
const parser = /^(yargs|yargs-parser|cliui|y18n|string-width|wrap-ansi)\//;

describe('start-up imports', () => {
  it('--version loads no command, no yargs and no zod', async () => {
    const { result, imports } = await cliImports(['--version']);
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe(`${version}\n`);
    expect(commandModules(imports)).toEqual([]);
    expect(imports.filter((u) => /yargs|zod/.test(u))).toEqual([]);
  });

  it('validate loads its own command only, and yargs and zod bundled', async () => {
    const { result, imports } = await cliImports([
      'validate',
      join(repoRoot, 'workflows/promoter-classifier.yaml'),
    ]);
    expect(result.code).toBe(0);
    expect(commandModules(imports)).toEqual(['validate.js']);
    const bundled = new Set(imports.filter((u) => /\/dist\/src\/vendor\/(yargs|zod)\.js$/.test(u)));
    expect([...bundled].sort()).toEqual([
      expect.stringMatching(/yargs\.js$/),
      expect.stringMatching(/zod\.js$/),
    ]);
    expect(packageModules(imports, /^zod\//)).toEqual([]);
    expect(packageModules(imports, parser)).toEqual([]);
  });

  it("the version yargs prints is genoflow's, not that of a package.json where it is run", async () => {
    const dir = tempDir('version');
    writeFile(dir, 'package.json', '{ "name": "elsewhere", "version": "9.9.9" }\n');
    const wf = writeFile(
      dir,
      'wf.yaml',
      'name: v\nstages:\n  s:\n    uses: text.read\n    with: { path: x }\n',
    );
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const result = await cli(['validate', wf, '--version'], { cwd: dir });
    expect(result.stdout.toString()).toBe(`${version}\n`);
  });

  it("exec-task, the process executor's child, loads no yargs and no other command", async () => {
    const dir = tempDir('exec-task');
    writeFile(dir, 'in.txt', 'a\nb\n');
    const wf = writeFile(
      dir,
      'wf.yaml',
      'name: one\nstages:\n  lines:\n    uses: text.read\n    with: { path: in.txt }\n' +
        '  out:\n    uses: text.write\n    from: lines\n    with: { path: out.txt }\n',
    );
    const ran = await cliImports(['run', wf, '-q', '--executor', 'process'], dir);
    expect(ran.result.stderr).toBe('');
    expect(ran.result.code).toBe(0);
    const [run] = readdirSync(join(dir, '.genoflow/runs'));
    const task = join(dir, '.genoflow/runs', run!, 'tasks/1.task.json');
    expect(existsSync(task)).toBe(true);
    const { result, imports } = await cliImports(['exec-task', task], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(commandModules(imports)).toEqual(['exec-task.js']);
    expect(imports.filter((u) => /yargs/.test(u))).toEqual([]);
    expect(packageModules(imports, /^zod\//)).toEqual([]);
    const outcome = JSON.parse(
      readFileSync(join(dir, '.genoflow/runs', run!, 'tasks/1.outcome.json'), 'utf8'),
    );
    expect(Object.values(outcome).map((s) => (s as { status: string }).status)).toEqual([
      'COMPLETED',
      'COMPLETED',
    ]);
  });
});
