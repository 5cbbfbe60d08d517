import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/cli/load.js';
import { loadWorkflow } from '../../src/workflow/load.js';
import { cliValue, resolveParams, substitute } from '../../src/workflow/params.js';
import { tempDir, testkitPlugin, writeFile } from '../helpers.js';

const dir = tempDir('params');
const file = writeFile(
  dir,
  'wf.yaml',
  `name: p\nplugins: [${testkitPlugin}]\nparams:\n  n: 5\n  label: run\n  flag: false\n  list: [1, 2]\nstages:\n  a:\n    uses: testkit.count\n    with: { n: "\${params.n}" }\n  b:\n    uses: shell.run\n    from: a\n    with: { command: "echo \${params.label} > /dev/null; cat" }\n`,
);

describe('params', () => {
  it('a value that is exactly one reference keeps the param type; embedded ones become text', async () => {
    const workflow = await loadWorkflow(file);
    const params = await resolveParams(workflow, {});
    expect(substitute('${params.n}', params, workflow, [])).toBe(5);
    expect(substitute('${params.flag}', params, workflow, [])).toBe(false);
    expect(substitute('${params.list}', params, workflow, [])).toEqual([1, 2]);
    expect(substitute('k${params.n}-${params.label}', params, workflow, [])).toBe('k5-run');
    expect(substitute({ a: ['${params.n}', { b: '${params.label}' }] }, params, workflow, [])).toEqual({
      a: [5, { b: 'run' }],
    });
  });

  it('-p values override the params file, which overrides defaults', async () => {
    const workflow = await loadWorkflow(file);
    const paramsFile = writeFile(dir, 'params.yaml', 'n: 7\nlabel: from-file\n');
    const params = await resolveParams(workflow, {
      file: paramsFile,
      set: ['n=9', 'flag=true', 'label=two words'],
    });
    expect(params).toEqual({ n: 9, label: 'two words', flag: true, list: [1, 2] });
    const { plan } = await loadPlan({ workflow: file, param: ['n=12', "label=it's mine"] });
    expect(plan.byName.get('a')!.params).toEqual({ n: 12, 'delay-ms': 0 });
    // in a shell command, a value reaches the shell in a variable, never as code
    expect(plan.byName.get('b')!.rawParams).toEqual({
      command: 'echo "${GENOFLOW_PARAM_label}" > /dev/null; cat',
      env: { GENOFLOW_PARAM_label: "it's mine" },
    });
  });

  it('overriding an unknown param is an error that lists the known ones', async () => {
    const workflow = await loadWorkflow(file);
    await expect(resolveParams(workflow, { set: ['nn=3'] })).rejects.toThrow(
      `-p nn=3: unknown param "nn" (did you mean "n"?); ${workflow.file} declares "n", "label", "flag", "list"`,
    );
    const paramsFile = writeFile(dir, 'typo.yaml', 'n: 1\nlabl: x\n');
    await expect(resolveParams(workflow, { file: paramsFile })).rejects.toThrow(
      `${paramsFile}:2:1: unknown param "labl" (did you mean "label"?); ${workflow.file} declares "n", "label", "flag", "list"`,
    );
  });

  it('a reference to an undeclared param names its position', async () => {
    const bad = writeFile(
      dir,
      'bad.yaml',
      `name: b\nplugins: [${testkitPlugin}]\nstages:\n  a:\n    uses: testkit.count\n    with: { n: "\${params.missing}" }\n`,
    );
    await expect(loadPlan({ workflow: bad })).rejects.toThrow(
      /bad\.yaml:6:16: unknown param "missing" in "\$\{params\.missing\}"; known params: none/,
    );
  });

  it('a -p value is a string unless it is exactly a number, true, false or null', () => {
    expect(['12', '-0.5', '.5', '1e-6', '0'].map(cliValue)).toEqual([12, -0.5, 0.5, 1e-6, 0]);
    expect([cliValue('true'), cliValue('false'), cliValue('null')]).toEqual([true, false, null]);
    for (const text of [
      '007',
      '1.',
      '+1',
      '0x10',
      'True',
      'yes',
      '~',
      '',
      ' 1',
      '[1, 2]',
      '{a: 1}',
      'a #b',
      '&& d',
    ])
      expect(cliValue(text)).toBe(text);
  });

  it('a default may refer to other params, and sees their -p values; a -p value is never expanded', async () => {
    const wf = writeFile(
      dir,
      'derived.yaml',
      'name: d\nparams:\n  base: data\n  out: "${params.base}/out"\n  n: "${params.k}"\n  k: 3\n  raw: x\nstages:\n  a:\n    uses: text.read\n    with: { path: "${params.out}" }\n',
    );
    const workflow = await loadWorkflow(wf);
    expect(await resolveParams(workflow, { set: ['base=mine', 'raw=${params.k}'] })).toEqual({
      base: 'mine',
      out: 'mine/out',
      n: 3,
      k: 3,
      raw: '${params.k}',
    });
  });

  it('params that refer to each other in a cycle are an error at the param', async () => {
    const wf = writeFile(
      dir,
      'cycle.yaml',
      'name: c\nparams:\n  a: "${params.b}"\n  b: "x${params.a}"\nstages:\n  r:\n    uses: text.read\n',
    );
    await expect(resolveParams(await loadWorkflow(wf), {})).rejects.toThrow(
      /cycle\.yaml:3:6: params refer to each other in a cycle: a -> b -> a$/,
    );
  });
});
