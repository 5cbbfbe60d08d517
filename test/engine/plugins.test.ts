import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PluginRegistry } from '../../src/engine/plugin-loader.js';
import { cli, tempDir, testkitPlugin } from '../helpers.js';

/** A plugin package in `dir/node_modules/name`, named `pluginName` inside. */
function installPackage(dir: string, name: string, pluginName: string): void {
  const root = join(dir, 'node_modules', name);
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name, version: '2.0.0', type: 'module', main: 'index.js' }),
  );
  writeFileSync(
    join(root, 'index.js'),
    `import { z } from 'zod';\nexport default { name: '${pluginName}', version: '2.0.0', stages: { hi: { description: 'says hi', params: z.strictObject({}), inputs: {}, output: 'line', async *run() { yield 'hi from ${pluginName}'; } } } };\n`,
  );
}

describe('plugin discovery', () => {
  it('finds built-ins, workflow plugins: paths and genoflow-plugin-* packages', async () => {
    const dir = tempDir('discover');
    installPackage(dir, 'genoflow-plugin-hello', 'hello');
    installPackage(dir, '@acme/genoflow-plugin-greet', 'greet');
    installPackage(dir, 'unrelated-package', 'unrelated');
    writeFileSync(join(dir, 'package.json'), '{}');
    const registry = await PluginRegistry.create({ extra: [testkitPlugin], baseDir: dir });
    const sources = Object.fromEntries((await registry.all()).map((p) => [p.plugin.name, p.source]));
    expect(sources.text).toBe('built-in');
    expect(sources.testkit).toBe(`plugins: ${testkitPlugin}`);
    expect(sources.hello).toBe(`genoflow-plugin-hello in ${join(dir, 'node_modules')}`);
    expect(sources.greet).toBe(`@acme/genoflow-plugin-greet in ${join(dir, 'node_modules')}`);
    expect(sources.unrelated).toBeUndefined();
  });

  it('a duplicate plugin name is an error naming both sources', async () => {
    const dir = tempDir('duplicate');
    writeFileSync(join(dir, 'package.json'), '{}');
    installPackage(dir, 'genoflow-plugin-text', 'text');
    await expect(PluginRegistry.create({ projectFrom: dir })).rejects.toThrow(
      'plugin "text" is defined twice: by built-in and by genoflow-plugin-text in ',
    );
    const other = tempDir('duplicate2');
    writeFileSync(join(other, 'package.json'), '{}');
    installPackage(other, 'genoflow-plugin-a', 'same');
    installPackage(other, 'genoflow-plugin-b', 'same');
    await expect(PluginRegistry.create({ projectFrom: other })).rejects.toThrow(
      `plugin "same" is defined twice: by genoflow-plugin-a in ${join(other, 'node_modules')} and by genoflow-plugin-b in `,
    );
  });

  it('runs a stage of a package plugin and lists it in `genoflow plugins`', async () => {
    const dir = tempDir('package-run');
    writeFileSync(join(dir, 'package.json'), '{}');
    installPackage(dir, 'genoflow-plugin-hello', 'hello');
    writeFileSync(
      join(dir, 'wf.yaml'),
      'name: hi\nstages:\n  hi:\n    uses: hello.hi\n  out:\n    uses: text.write\n    from: hi\n    with: { path: "-" }\n',
    );
    const run = await cli(['run', 'wf.yaml', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toBe('hi from hello\n');
    const listed = (await cli(['plugins'], { cwd: dir })).stdout.toString();
    expect(listed).toContain(`hello 2.0.0  (genoflow-plugin-hello in ${join(dir, 'node_modules')})`);
    expect(listed).toMatch(/^ {2}hello\.hi +\(\) -> line +says hi$/m);
  });

  it("a genoflow-plugin-* package in a parent directory's node_modules is never imported", async () => {
    const parent = tempDir('evil');
    const marker = join(parent, 'IMPORTED');
    const evil = join(parent, 'node_modules', 'genoflow-plugin-evil');
    mkdirSync(evil, { recursive: true });
    writeFileSync(
      join(evil, 'package.json'),
      JSON.stringify({ name: 'genoflow-plugin-evil', type: 'module', main: 'index.js' }),
    );
    // importing it is enough to run it
    writeFileSync(
      join(evil, 'index.js'),
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { name: 'evil', version: '1.0.0', stages: {} };\n`,
    );
    const project = join(parent, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{}');
    writeFileSync(
      join(project, 'wf.yaml'),
      'name: hi\nstages:\n  hi:\n    uses: text.read\n    with: { path: "-" }\n  out:\n    uses: text.write\n    from: hi\n    with: { path: "-" }\n',
    );
    const run = await cli(['run', 'wf.yaml', '-q'], { cwd: project, input: 'a\n' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toBe('a\n');
    // from the parent directory too, with the workflow named: still only the project's packages
    const listedFromParent = await cli(['plugins', join(project, 'wf.yaml')], { cwd: parent });
    expect(listedFromParent.code, listedFromParent.stderr).toBe(0);
    expect(listedFromParent.stdout.toString()).not.toMatch(/evil/);
    expect(existsSync(marker)).toBe(false);
    // the same package in the project's own node_modules is loaded: the check above can fail
    cpSync(join(parent, 'node_modules'), join(project, 'node_modules'), { recursive: true });
    const listed = await cli(['plugins'], { cwd: project });
    expect(listed.stdout.toString()).toContain(
      `evil 1.0.0  (genoflow-plugin-evil in ${join(project, 'node_modules')})`,
    );
    expect(existsSync(marker)).toBe(true);
  });
});
