import { mkdirSync, writeFileSync } from 'node:fs';
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
    const registry = await PluginRegistry.create({ extra: [testkitPlugin], baseDir: dir, searchDir: dir });
    const sources = Object.fromEntries((await registry.all()).map((p) => [p.plugin.name, p.source]));
    expect(sources.text).toBe('built-in');
    expect(sources.testkit).toBe(testkitPlugin);
    expect(sources.hello).toBe('genoflow-plugin-hello');
    expect(sources.greet).toBe('@acme/genoflow-plugin-greet');
    expect(sources.unrelated).toBeUndefined();
  });

  it('a duplicate plugin name is an error naming both sources', async () => {
    const dir = tempDir('duplicate');
    installPackage(dir, 'genoflow-plugin-text', 'text');
    await expect(PluginRegistry.create({ searchDir: dir })).rejects.toThrow(
      'plugin "text" is defined twice: by built-in and by genoflow-plugin-text',
    );
    const other = tempDir('duplicate2');
    installPackage(other, 'genoflow-plugin-a', 'same');
    installPackage(other, 'genoflow-plugin-b', 'same');
    await expect(PluginRegistry.create({ searchDir: other })).rejects.toThrow(
      'plugin "same" is defined twice: by genoflow-plugin-a and by genoflow-plugin-b',
    );
  });

  it('runs a stage of a package plugin and lists it in `genoflow plugins`', async () => {
    const dir = tempDir('package-run');
    installPackage(dir, 'genoflow-plugin-hello', 'hello');
    writeFileSync(
      join(dir, 'wf.yaml'),
      'name: hi\nstages:\n  hi:\n    uses: hello.hi\n  out:\n    uses: text.write\n    from: hi\n    with: { path: "-" }\n',
    );
    const run = await cli(['run', 'wf.yaml', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toBe('hi from hello\n');
    const listed = (await cli(['plugins'], { cwd: dir })).stdout.toString();
    expect(listed).toMatch(/^hello 2\.0\.0 {2}\(genoflow-plugin-hello\)/m);
    expect(listed).toMatch(/^ {2}hello\.hi +\(\) -> line +says hi$/m);
  });
});
