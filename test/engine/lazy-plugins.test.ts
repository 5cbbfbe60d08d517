import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliImports, repoRoot, tempDir, writeFile } from '../helpers.js';

const workflows = readdirSync(join(repoRoot, 'workflows')).filter((f) => f.endsWith('.yaml'));

/** Implementation-only modules: TensorFlow.js, worker pools, wasm kernels and their carriers. */
const heavy = (url: string) => /@tensorflow\/|\/piscina\/|wasm|\/plugins\/[\w/]+-run\.js$/.test(url);

describe('lazy plugin loading', () => {
  it.each(workflows.flatMap((wf) => [['validate', wf] as const, ['plugins', wf] as const]))(
    '%s %s loads declarations only: no @tensorflow/*, piscina, wasm or stage implementation',
    async (command, wf) => {
      const { result, imports } = await cliImports([command, join(repoRoot, 'workflows', wf)]);
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      // The recorder saw the declarations (tfjs's among them for `plugins`) ...
      if (command === 'plugins') expect(imports.some((u) => u.endsWith('/plugins/tfjs/train.js'))).toBe(true);
      expect(imports.some((u) => u.endsWith('/vendor/zod.js'))).toBe(true);
      // ... and none of the implementations.
      expect(imports.filter(heavy)).toEqual([]);
    },
  );

  it('a stage given as load: () => import(...) is imported when it runs, not when validated', async () => {
    const dir = tempDir('lazy-stage');
    writeFile(
      dir,
      'index.js',
      `import { z } from 'zod';
export default {
  name: 'lazy',
  version: '1.0.0',
  stages: {
    hello: { description: 'says hello', params: z.strictObject({ who: z.string() }), inputs: {}, output: 'line',
             load: () => import('./hello-impl.js') },
  },
};
`,
    );
    writeFile(dir, 'hello-impl.js', `export async function* run(ctx) { yield 'hello ' + ctx.params.who; }\n`);
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: lazy\nplugins: [./index.js]\nstages:\n  hi:\n    uses: lazy.hello\n    with: { who: world }\n  out:\n    uses: text.write\n    from: hi\n    with: { path: "-" }\n`,
    );
    const validated = await cliImports(['validate', wf], dir);
    expect(validated.result.code).toBe(0);
    expect(validated.imports.some((u) => u.endsWith('/index.js') && u.includes('lazy-stage'))).toBe(true);
    expect(validated.imports.filter((u) => u.endsWith('hello-impl.js'))).toEqual([]);
    const ran = await cliImports(['run', wf, '-q'], dir);
    expect(ran.result.stderr).toBe('');
    expect(ran.result.stdout.toString()).toBe('hello world\n');
    expect(ran.imports.filter((u) => u.endsWith('hello-impl.js'))).toHaveLength(1);
  });

  it('a stage with neither run nor load, or a load whose module lacks run, is refused by name', async () => {
    const dir = tempDir('lazy-bad');
    const plugin = (stage: string) =>
      `import { z } from 'zod';\nexport default { name: 'bad', version: '1.0.0', stages: { s: { description: 'd', params: z.strictObject({}), inputs: {}, output: 'line', ${stage} } } };\n`;
    writeFile(dir, 'neither.js', plugin(''));
    writeFile(dir, 'empty.js', plugin(`load: () => import('./no-run.js')`));
    writeFile(dir, 'no-run.js', 'export const nothing = 1;\n');
    const wf = (name: string) =>
      writeFile(
        dir,
        `${name}.yaml`,
        `name: ${name}\nplugins: [./${name}.js]\nstages:\n  s:\n    uses: bad.s\n`,
      );
    const neither = await cli(['validate', wf('neither')], { cwd: dir });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(
      /neither\.js: not a genoflow plugin: stage s: give one of run \(a function\), load \(a function importing the module that exports run\) or command/,
    );
    const empty = await cli(['run', wf('empty'), '-q'], { cwd: dir });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('stage s: the module its load() imports does not export a run function');
  });
});
