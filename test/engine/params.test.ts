import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/cli/load.js';
import { loadWorkflow } from '../../src/workflow/load.js';
import { resolveParams, shellQuote, substitute } from '../../src/workflow/params.js';
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

  it('-p values are read as YAML scalars and override the params file, which overrides defaults', async () => {
    const workflow = await loadWorkflow(file);
    const paramsFile = writeFile(dir, 'params.yaml', 'n: 7\nlabel: from-file\n');
    const params = await resolveParams(workflow, {
      file: paramsFile,
      set: ['n=9', 'flag=true', 'label=two words'],
    });
    expect(params).toEqual({ n: 9, label: 'two words', flag: true, list: [1, 2] });
    const { plan } = await loadPlan({ workflow: file, param: ['n=12', "label=it's mine"] });
    expect(plan.byName.get('a')!.params).toEqual({ n: 12, 'delay-ms': 0 });
    // in a shell command, a substituted value stays one word
    expect(plan.byName.get('b')!.rawParams.command).toBe(`echo 'it'\\''s mine' > /dev/null; cat`);
  });

  it('overriding an unknown param is an error that lists the known ones', async () => {
    const workflow = await loadWorkflow(file);
    await expect(resolveParams(workflow, { set: ['nn=3'] })).rejects.toThrow(
      `-p nn=3: unknown param "nn"; ${workflow.file} declares "n", "label", "flag", "list"`,
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

  it('shell quoting leaves plain words alone', () => {
    expect(shellQuote('samples/a.vcf')).toBe('samples/a.vcf');
    expect(shellQuote('a b')).toBe("'a b'");
  });
});
