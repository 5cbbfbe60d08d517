import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/cli/load.js';
import { cli, tempDir, testkitPlugin, writeFile } from '../helpers.js';

const dir = tempDir('validate');

async function errorOf(yaml: string, params: string[] = []): Promise<string> {
  const file = writeFile(dir, `wf-${Math.random().toString(36).slice(2)}.yaml`, yaml);
  try {
    await loadPlan({ workflow: file, param: params });
  } catch (err) {
    return (err as Error).message.replaceAll(file.replace(`${process.cwd()}/`, ''), 'wf.yaml');
  }
  throw new Error('expected the workflow to be rejected');
}

const header = `name: t\nplugins: [${testkitPlugin}]\n`;

describe('workflow validation messages', () => {
  it('bad YAML', async () => {
    expect(await errorOf('name: t\nstages:\n  a: [1, 2\n')).toMatch(/^wf\.yaml:4:1: invalid YAML: /);
  });

  it('unknown key with a suggestion', async () => {
    expect(await errorOf(`${header}stages:\n  a:\n    uses: testkit.count\n    wiht: { n: 1 }\n`)).toBe(
      'wf.yaml:6:5: stage "a": unknown key "wiht" (did you mean "with"?)',
    );
  });

  it('unknown stage with a suggestion', async () => {
    expect(await errorOf(`${header}stages:\n  a:\n    uses: testkit.cuont\n`)).toBe(
      'wf.yaml:5:11: stage "a": unknown stage "testkit.cuont" (did you mean "testkit.count"?); testkit has testkit.count, testkit.slow, testkit.fail, testkit.pair',
    );
  });

  it('unknown plugin with a suggestion', async () => {
    expect(await errorOf(`${header}stages:\n  a:\n    uses: txt.read\n`)).toMatch(
      /^wf\.yaml:5:11: stage "a": unknown plugin "txt" \(did you mean "text"\?\); known plugins: /,
    );
  });

  it('unknown parameter with a suggestion', async () => {
    expect(await errorOf(`${header}stages:\n  a:\n    uses: testkit.count\n    with: { nn: 3 }\n`)).toBe(
      'wf.yaml:6:13: stage "a": unknown parameter "nn" (did you mean "n"?)',
    );
  });

  it('bad param type', async () => {
    expect(
      await errorOf(`${header}stages:\n  a:\n    uses: testkit.count\n    with:\n      n: three\n`),
    ).toBe('wf.yaml:7:10: stage "a": parameter "n": Invalid input: expected number, received string');
  });

  it('unknown from', async () => {
    expect(
      await errorOf(
        `${header}stages:\n  a:\n    uses: testkit.count\n  b:\n    uses: testkit.slow\n    from: aa\n`,
      ),
    ).toBe('wf.yaml:8:11: stage "b": from: unknown stage "aa" (did you mean "a"?)');
  });

  it('a cycle is printed', async () => {
    expect(
      await errorOf(
        `${header}stages:\n  a:\n    uses: testkit.fail\n    from: c\n    with: { after: 1 }\n  b:\n    uses: testkit.fail\n    from: a\n    with: { after: 1 }\n  c:\n    uses: testkit.fail\n    from: b\n    with: { after: 1 }\n`,
      ),
    ).toBe('wf.yaml:6:11: cycle: a -> c -> b -> a');
  });

  it('port type mismatch', async () => {
    expect(
      await errorOf(
        `${header}stages:\n  a:\n    uses: text.read\n    with: { path: x }\n  b:\n    uses: testkit.slow\n    from: a\n`,
      ),
    ).toBe(
      'wf.yaml:9:11: stage "b": port type mismatch: "a" (text.read) gives line, but testkit.slow input "in" takes number',
    );
  });

  it('missing named input', async () => {
    expect(
      await errorOf(
        `${header}stages:\n  a:\n    uses: testkit.count\n  b:\n    uses: testkit.pair\n    from: { left: a }\n`,
      ),
    ).toBe('wf.yaml:8:11: stage "b": missing input "right" of testkit.pair');
  });

  it('reports every problem at once', async () => {
    const message = await errorOf(
      `${header}stages:\n  a:\n    uses: testkit.count\n    with: { nn: 1 }\n  b:\n    uses: testkit.slow\n    from: zz\n`,
    );
    expect(message.split('\n')).toHaveLength(2);
  });

  it('the CLI exits 2 on an invalid workflow and 0 on a valid one', async () => {
    const bad = writeFile(
      dir,
      'bad.yaml',
      `${header}stages:\n  a:\n    uses: testkit.count\n    with: { nn: 1 }\n`,
    );
    const result = await cli(['validate', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown parameter "nn"');
    const good = writeFile(
      dir,
      'good.yaml',
      `${header}stages:\n  a:\n    uses: testkit.count\n    with: { n: 1 }\n`,
    );
    expect((await cli(['validate', good])).code).toBe(0);
  });
});
