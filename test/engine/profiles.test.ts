import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, tempDir, writeFile } from '../helpers.js';

const workflow = `name: greet
params:
  msg: hello
stages:
  work:
    uses: shell.run
    each: [a, b]
    with: { command: "echo \${params.msg} \${each.value}" }
  out:
    uses: text.write
    from: work
    gather: true
    with: { path: out.txt }
`;

describe('config profiles', () => {
  it.each([['--profile'], ['-profile']])(
    '%s overrides a stage resources, a param and the executor',
    async (flag) => {
      const dir = tempDir('profiles');
      const wf = writeFile(dir, 'wf.yaml', workflow);
      writeFile(
        dir,
        'genoflow.config.yaml',
        `profiles:
  base:
    resources: { cpus: 2, time: 1h }
  big:
    executor: process
    stages:
      work: { cpus: 3, memory: 2 GB }
    params:
      msg: from-profile
`,
      );
      const run = await cli(['run', wf, flag, 'base,big', '--trace', join(dir, 't.tsv')], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('from-profile a\nfrom-profile b\n');
      const rows = Object.fromEntries(
        parseTrace(readFileSync(join(dir, 't.tsv'), 'utf8')).map((r) => [r.stage, r]),
      );
      expect(rows['work[a]']).toMatchObject({ cpus: 3, memory: '2 GB', executor: 'process' });
      // the stage the profile does not name gets the defaults of `base`
      expect(rows.out).toMatchObject({ cpus: 2, memory: '', executor: 'process' });
      expect(Number(rows['work[a]']!.native_id)).not.toBe(Number(rows['work[b]']!.native_id));
      // -p still wins over a profile's param
      const again = await cli(['run', wf, flag, 'big', '-p', 'msg=cli'], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('cli a\ncli b\n');
    },
    60_000,
  );

  it('names file:line:col and a did-you-mean for a typo in the config, a stage or a profile', async () => {
    const dir = tempDir('profiles-typo');
    const wf = writeFile(dir, 'wf.yaml', workflow);
    const config = writeFile(
      dir,
      'my.config.yaml',
      `profiles:
  big:
    stages:
      work: { cpus: 3, memroy: 2 GB }
`,
    );
    const typo = await cli(['validate', wf, '--config', config, '--profile', 'big'], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      'my.config.yaml:4:24: profiles.big.stages.work: unknown key "memroy" (did you mean "memory"?)',
    );
    writeFile(dir, 'my.config.yaml', 'profiles:\n  big:\n    stages:\n      wrk: { time: 10 parsecs }\n');
    const stage = await cli(['validate', wf, '--config', config, '--profile', 'big'], { cwd: dir });
    expect(stage.code).toBe(2);
    expect(stage.stderr).toContain(
      'my.config.yaml:4:7: profile "big": the workflow has no stage "wrk" (did you mean "work"?)',
    );
    expect(stage.stderr).toContain(
      'my.config.yaml:4:20: time: expected a duration like "30s", "10m" or "2h", got "10 parsecs"',
    );
    const name = await cli(['validate', wf, '--config', config, '--profile', 'bgi'], { cwd: dir });
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('unknown profile "bgi" (did you mean "big"?); my.config.yaml has big');
  }, 60_000);
});
