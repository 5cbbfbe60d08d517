import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeFile } from '../helpers.js';

const dir = tempDir('workflow-files');
const read = 'stages:\n  r:\n    uses: text.read\n    with: { path: x }\n';

/** `genoflow validate` of `yaml`: exit 2, and stderr exactly the `expected` lines, no stack. */
async function rejected(name: string, yaml: string, args: string[] = []): Promise<string[]> {
  writeFile(dir, name, yaml);
  const run = await cli(['validate', name, ...args], { cwd: dir });
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return run.stderr.trimEnd().split('\n');
}

describe('hostile workflow files exit 2 with file:line:col', () => {
  it('a YAML alias bomb', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ])
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    expect(
      await rejected('bomb.yaml', `name: bomb\nparams:\n${bomb.map((l) => `  ${l}`).join('\n')}\n${read}`),
    ).toEqual(['bomb.yaml:4:10: invalid YAML: aliases expand to more than 100 copies (an alias bomb?)']);
  });

  it('10,000-deep nesting, in flow and in block style', async () => {
    const flow = `name: deep\n${read}      deep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    expect(await rejected('flow.yaml', flow.replace('{ path: x }', '\n      path: x'))).toEqual([
      expect.stringMatching(
        /^flow\.yaml:7:\d+: invalid YAML: nested too deep \(more than 64 levels allowed\)$/,
      ),
    ]);
    const block = Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(
      await rejected('block.yaml', `name: deep\nparams:\n  p:\n${block.replace(/^/gm, '    ')} v\n${read}`),
    ).toEqual([expect.stringMatching(/^block\.yaml:\d+:\d+: invalid YAML: nested too deep/)]);
    // deeper than any workflow needs, yet within what the parser holds: still refused, located
    const hundred = `name: deep\nparams:\n  p: ${'['.repeat(100)}${']'.repeat(100)}\n${read}`;
    expect(await rejected('hundred.yaml', hundred)).toEqual([
      'hundred.yaml:3:68: invalid YAML: nested more than 64 levels deep',
    ]);
  });

  it('a param default referring to an undefined param fails validate, and run opens nothing', async () => {
    const yaml =
      'name: u\nparams:\n  input: "${params.nothere}"\nstages:\n  r:\n    uses: text.read\n    with: { path: "${params.input}" }\n  w:\n    uses: text.write\n    from: r\n    with: { path: "-" }\n';
    expect(await rejected('undefined.yaml', yaml)).toEqual([
      'undefined.yaml:3:10: param "input": unknown param "nothere" in "${params.nothere}"; known params: input',
    ]);
    const run = await cli(['run', 'undefined.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^undefined\.yaml:3:10: param "input": unknown param "nothere"/);
  });

  it('bad plugins: entries, each at its position', async () => {
    writeFile(dir, 'not-a-plugin.js', 'export default { hello: 1 };\n');
    writeFile(dir, 'throws.js', "throw new Error('boom at import');\n");
    const cases: [string, RegExp][] = [
      ['./nothere.js', /^p0\.yaml:2:11: plugins entry "\.\/nothere\.js": no plugin module at .*nothere\.js$/],
      [
        './not-a-plugin.js',
        /^p1\.yaml:2:11: plugins entry "\.\/not-a-plugin\.js": .*not-a-plugin\.js: not a genoflow plugin: name must be a word$/,
      ],
      [
        './throws.js',
        /^p2\.yaml:2:11: plugins entry "\.\/throws\.js": cannot load .*throws\.js: boom at import$/,
      ],
      [
        'no-such-package',
        /^p3\.yaml:2:11: plugins entry "no-such-package": package not found in node_modules/,
      ],
    ];
    for (const [i, [entry, message]] of cases.entries()) {
      expect(await rejected(`p${i}.yaml`, `name: p\nplugins: [${entry}]\n${read}`)).toEqual([
        expect.stringMatching(message),
      ]);
    }
    expect(await rejected('p4.yaml', `name: p\nplugins:\n  - ./throws.js\n  - 5\n${read}`)).toEqual([
      'p4.yaml:4:5: plugins.1: Invalid input: expected string, received number',
    ]);
  });

  it('names inherited from Object are not params, stages or inputs', async () => {
    const yaml =
      'name: o\nparams:\n  a: x\nstages:\n  r:\n    uses: text.read\n    with: { path: "${params.constructor}" }\n';
    expect(await rejected('inherited.yaml', yaml)).toEqual([
      'inherited.yaml:7:19: unknown param "constructor" in "${params.constructor}"; known params: a',
    ]);
    expect(
      await rejected('inherited.yaml', yaml.replace('${params.constructor}', 'x'), ['-p', 'toString=1']),
    ).toEqual(['genoflow: -p toString=1: unknown param "toString"; inherited.yaml declares "a"']);
    const stages =
      'name: o\nstages:\n  r: { uses: text.constructor }\n  w: { uses: text.write, from: constructor, with: { path: x } }\n';
    expect(await rejected('inherited-stages.yaml', stages)).toEqual([
      'inherited-stages.yaml:3:14: stage "r": unknown stage "text.constructor"; text has text.read, text.write',
      'inherited-stages.yaml:4:32: stage "w": from: unknown stage "constructor"',
    ]);
  });

  it('a directory as the workflow or the params file is named as one', async () => {
    expect(await rejected('inherited.yaml', 'name: d\n' + read, ['--params-file', '.'])).toEqual([
      'genoflow: cannot read params file .: it is a directory',
    ]);
    const run = await cli(['validate', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('genoflow: cannot read workflow .: it is a directory\n');
  });

  it('one error on a stage adds no cascade of errors downstream or on the same stage', async () => {
    const upstream =
      'name: c\nstages:\n  r:\n    uses: text.read\n    with: { path: x, nope: 1 }\n  w:\n    uses: text.write\n    from: { in: r }\n    with: { path: "-" }\n';
    expect(await rejected('cascade.yaml', upstream)).toEqual([
      'cascade.yaml:5:22: stage "r": unknown parameter "nope"',
    ]);
    const port =
      'name: c\nstages:\n  r:\n    uses: text.read\n    with: { path: x }\n  w:\n    uses: text.write\n    from: { inn: r }\n    with: { path: "-" }\n';
    expect(await rejected('port.yaml', port)).toEqual([
      'port.yaml:8:13: stage "w": text.write has no input "inn" (did you mean "in"?); its inputs are in',
    ]);
  });
});

it('nothing above wrote a file named after an unsubstituted reference', () => {
  expect(readdirSync(dir).filter((f) => f.includes('$'))).toEqual([]);
  expect(existsSync(join(dir, '${params.nothere}'))).toBe(false);
});
