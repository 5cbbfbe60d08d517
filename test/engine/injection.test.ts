import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/workflow/load.js';
import { stageParams } from '../../src/workflow/params.js';
import { cli, tempDir, writeFile } from '../helpers.js';

const dir = tempDir('injection');
/** Created only if some value ran as code. */
const pwned = join(dir, 'PWNED');
const touch = `touch ${pwned}`;
const payloads = [
  `; ${touch}`,
  `$(${touch})`,
  `\`${touch}\``,
  `'; ${touch}; '`,
  `"; ${touch}; "`,
  `\n${touch}`,
  `x\n${touch}`,
  `| ${touch}`,
  `&& ${touch}`,
  `\${IFS}$(${touch})`,
  `'"$(${touch})"'\\`,
];

/** How each template uses param `p`, and what it must print for a value `v`. */
const templates: Record<string, { with: (p: string) => unknown; prints: (v: string) => string }> = {
  bare: { with: (p) => ({ command: `printf '%s\\n' \${params.${p}}` }), prints: (v) => v },
  'double-quoted': { with: (p) => ({ command: `printf '%s\\n' "\${params.${p}}"` }), prints: (v) => v },
  'single-quoted': { with: (p) => ({ command: `printf '%s\\n' '\${params.${p}}'` }), prints: (v) => v },
  glued: { with: (p) => ({ command: `printf '%s\\n' v=\${params.${p}}.` }), prints: (v) => `v=${v}.` },
  'in $(...)': {
    with: (p) => ({ command: `printf '%s\\n' "$(printf '%s' \${params.${p}})"` }),
    prints: (v) => v,
  },
  'in sh -c "..."': {
    with: (p) => ({ command: `sh -c "printf '%s\\n' \${params.${p}}"` }),
    prints: (v) => v,
  },
  argv: { with: (p) => ({ command: ['printf', '%s\n', `v=\${params.${p}}`] }), prints: (v) => `v=${v}` },
  env: {
    with: (p) => ({ command: `printf '%s\\n' "$V"`, env: { V: `\${params.${p}}` } }),
    prints: (v) => v,
  },
};

/** One workflow: every template × every payload param, each into its own file. */
function matrixWorkflow(): string {
  const params = Object.fromEntries(payloads.map((_, i) => [`p${i}`, 'default']));
  const stages: Record<string, unknown> = {};
  Object.entries(templates).forEach(([, template], t) => {
    payloads.forEach((_, i) => {
      stages[`s${t}_${i}`] = { uses: 'shell.run', with: template.with(`p${i}`) };
      stages[`w${t}_${i}`] = { uses: 'text.write', from: `s${t}_${i}`, with: { path: `out-${t}-${i}.txt` } };
    });
  });
  // YAML is a superset of JSON: no YAML quoting of the payloads to get wrong
  return writeFile(dir, 'matrix.yaml', JSON.stringify({ name: 'matrix', params, stages }));
}

function expectAllIntact(cwd: string): void {
  Object.entries(templates).forEach(([name, template], t) => {
    payloads.forEach((payload, i) => {
      const printed = readFileSync(join(cwd, `out-${t}-${i}.txt`), 'utf8');
      expect(printed, `${name} with ${JSON.stringify(payload)}`).toBe(`${template.prints(payload)}\n`);
    });
  });
  expect(existsSync(pwned)).toBe(false);
}

describe('no -p or --params-file value runs code in a shell.run command', () => {
  const workflow = matrixWorkflow();

  it('via -p: every payload in every template arrives intact and nothing runs', async () => {
    const cwd = tempDir('injection-p');
    const run = await cli(
      [
        'run',
        workflow,
        '-q',
        '--work-dir',
        join(cwd, 'work'),
        ...payloads.flatMap((v, i) => ['-p', `p${i}=${v}`]),
      ],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expectAllIntact(cwd);
  });

  it('via --params-file: the same', async () => {
    const cwd = tempDir('injection-file');
    const paramsFile = writeFile(
      cwd,
      'params.yaml',
      JSON.stringify(Object.fromEntries(payloads.map((v, i) => [`p${i}`, v]))),
    );
    const run = await cli(
      ['run', workflow, '-q', '--params-file', paramsFile, '--work-dir', join(cwd, 'work')],
      {
        cwd,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expectAllIntact(cwd);
  });

  it('a command that is wholly one param runs the user’s command, as its author chose', async () => {
    const cwd = tempDir('injection-whole');
    const wf = writeFile(
      cwd,
      'wf.yaml',
      'name: whole\nparams:\n  cmd: "true"\nstages:\n  step:\n    uses: shell.run\n    with: { command: "${params.cmd}" }\n  out:\n    uses: text.write\n    from: step\n    with: { path: out.txt }\n',
    );
    const run = await cli(['run', wf, '-q', '-p', 'cmd=echo a; echo b'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('a\nb\n');
  });
});

describe('quoting for where a reference stands (the stage API)', async () => {
  const workflow = await loadWorkflow(
    writeFile(dir, 'api.yaml', 'name: api\nstages:\n  a:\n    uses: text.read\n'),
  );
  const shell = { commands: ['command'], env: 'env' };
  const value = `it's "$(${touch})" \`x\` \\ $HOME`;
  /** Runs a template through substitution and `sh -c`, as shell.run does; returns its stdout. */
  const sh = (command: string) => {
    const params = stageParams({ command }, { x: value }, workflow, ['stages', 'a', 'with'], shell);
    const run = spawnSync('sh', ['-c', params.command as string], {
      env: { ...process.env, ...(params.env as Record<string, string>) },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    return run.stdout;
  };

  it.each([
    [
      'double quotes inside $( ) inside double quotes',
      `printf '%s\\n' "$(printf '%s' "\${params.x}")"`,
      `${value}\n`,
    ],
    ['a comment with an apostrophe', `# it's here\nprintf '%s\\n' \${params.x}`, `${value}\n`],
    ['an escaped quote before it', `printf '%s\\n' "a\\"\${params.x}"`, `a"${value}\n`],
    ['after an escaped single quote', `printf '%s\\n' 'it'\\''s \${params.x}'`, `it's ${value}\n`],
    [
      'a here-document',
      `cat <<EOF\nit's \${params.x}\nEOF\nprintf '%s\\n' '\${params.x}'`,
      `it's ${value}\n${value}\n`,
    ],
    ['arithmetic', `echo $((\${params.n} + 1))`, '3\n'],
    ["bash -c '...': the nested shell reads it", `bash -c 'printf "%s\\n" \${params.x}'`, `${value}\n`],
    ['sh -c "...", bare inside', `sh -c "printf '%s\\n' \${params.x}"`, `${value}\n`],
    ['sh -c "...", in \'...\' inside', `sh -c "printf '%s\\n' '\${params.x}'"`, `${value}\n`],
    ["eval '...'", `eval 'printf "%s\\n" "\${params.x}"'`, `${value}\n`],
    ['a shell in a shell in a shell', `bash -c 'sh -c "printf %s \${params.x}"'`, value],
  ])('%s', (_, template, expected) => {
    const command = template.replace('${params.n}', '2');
    expect(sh(command)).toBe(expected);
    expect(existsSync(pwned)).toBe(false);
  });

  it('the variable is named after the param, and the value is in the env', () => {
    const params = stageParams(
      { command: 'grep -c \'${params.x}\' "${params.x}" ${params.x}' },
      { x: 'a b' },
      workflow,
      ['stages', 'a', 'with'],
      shell,
    );
    expect(params).toEqual({
      command: `grep -c ''"\${GENOFLOW_PARAM_x}"'' "\${GENOFLOW_PARAM_x}" "\${GENOFLOW_PARAM_x}"`,
      env: { GENOFLOW_PARAM_x: 'a b' },
    });
  });

  it('a reference in a quoted here-document, where nothing expands, is refused with its position', () => {
    expect(() =>
      stageParams({ command: "cat <<'EOF'\n${params.x}\nEOF" }, { x: 'v' }, workflow, ['stages', 'a'], shell),
    ).toThrow(
      /api\.yaml:\d+:\d+: \$\{params\.x\} in a quoted here-document would not be expanded; read \$GENOFLOW_PARAM_x/,
    );
  });
});

it('in the argv form, a number param is one argument of text', async () => {
  const workflow = await loadWorkflow(
    writeFile(dir, 'argv.yaml', 'name: argv\nstages:\n  a:\n    uses: text.read\n'),
  );
  const params = stageParams(
    { command: ['seq', '${params.n}', 'x${params.list}'] },
    { n: 3, list: [1, 'a b'] },
    workflow,
    ['stages', 'a', 'with'],
    { commands: ['command'], env: 'env' },
  );
  expect(params).toEqual({ command: ['seq', '3', 'x[1,"a b"]'] });
});

it('env values are text, a number param too', async () => {
  const workflow = await loadWorkflow(
    writeFile(dir, 'env.yaml', 'name: env\nstages:\n  a:\n    uses: text.read\n'),
  );
  const params = stageParams(
    { command: 'echo "$N" ${params.word}', env: { N: '${params.n}', LC_ALL: 'C' } },
    { n: 3, word: 'w' },
    workflow,
    ['stages', 'a', 'with'],
    { commands: ['command'], env: 'env' },
  );
  expect(params).toEqual({
    command: 'echo "$N" "${GENOFLOW_PARAM_word}"',
    env: { N: '3', LC_ALL: 'C', GENOFLOW_PARAM_word: 'w' },
  });
});
