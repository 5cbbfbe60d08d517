import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir, writeFile } from '../helpers.js';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
const pipe =
  'name: vcf-pipe\nparams:\n  min: 0\nstages:\n  read:\n    uses: vcf.read\n    with: { path: "-" }\n  write:\n    uses: vcf.write\n    from: read\n    with: { path: "-" }\n';

describe('provenance', () => {
  it('a VCF piped through genoflow twice carries one ##genoflowVersion and one ##genoflowCommand, naming the last run', async () => {
    const dir = tempDir('provenance-vcf');
    writeFile(dir, 'wf.yaml', pipe);
    const input = readFileSync(join(repoRoot, 'samples/variants/calls.vcf'));
    const first = await cli(['run', 'wf.yaml', '-q', '-p', 'min=5'], { cwd: dir, input });
    expect(first.code, first.stderr).toBe(0);
    const second = await cli(['run', 'wf.yaml', '-q', '--work-dir', 'w2'], { cwd: dir, input: first.stdout });
    expect(second.code, second.stderr).toBe(0);
    writeFileSync(join(dir, 'twice.vcf'), second.stdout);
    const header = execFileSync('bcftools', ['view', '-h', join(dir, 'twice.vcf')])
      .toString()
      .split('\n');
    expect(header.filter((l) => l.startsWith('##genoflowVersion='))).toEqual([
      `##genoflowVersion=${version}`,
    ]);
    const commands = header.filter((l) => l.startsWith('##genoflowCommand='));
    expect(commands).toHaveLength(1);
    const [, run] = /^##genoflowCommand=genoflow run wf\.yaml -q --work-dir w2; Date=\S+Z; run=(\S+)$/.exec(
      commands[0]!,
    )!;
    expect(readdirSync(join(dir, 'w2/runs'))).toEqual([run]);
    // The records are untouched.
    expect(execFileSync('bcftools', ['view', '-H', join(dir, 'twice.vcf')]).toString()).toBe(
      execFileSync('bcftools', ['view', '-H', join(repoRoot, 'samples/variants/calls.vcf')]).toString(),
    );
  });

  it('run.json, genoflow log RUN and the report say how the run was made', async () => {
    const dir = tempDir('provenance-run');
    writeFile(dir, 'wf.yaml', pipe);
    const input = readFileSync(join(repoRoot, 'samples/variants/calls.vcf'));
    const run = await cli(['run', 'wf.yaml', '-q', '-p', 'min=7', '--report', 'r.html'], { cwd: dir, input });
    expect(run.code, run.stderr).toBe(0);
    const [id] = readdirSync(join(dir, '.genoflow/runs'));
    const record = JSON.parse(readFileSync(join(dir, '.genoflow/runs', id!, 'run.json'), 'utf8'));
    expect(record.provenance).toEqual({
      command: 'genoflow run wf.yaml -q -p min=7 --report r.html',
      cwd: dir,
      versions: { genoflow: version, node: process.versions.node, plugins: { vcf: expect.any(String) } },
      params: { min: 7 },
    });
    const log = (await cli(['log', id!], { cwd: dir })).stdout.toString().split('\n');
    expect(log.slice(0, 4)).toEqual([
      '# command: genoflow run wf.yaml -q -p min=7 --report r.html',
      `# cwd: ${dir}`,
      `# versions: genoflow ${version}, node ${process.versions.node}, plugins vcf ${record.provenance.versions.plugins.vcf}`,
      '# params: {"min":7}',
    ]);
    expect(log[4]).toMatch(/^stage\t/);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain(
      '<code data-provenance="command">genoflow run wf.yaml -q -p min=7 --report r.html</code>',
    );
    expect(html).toContain(
      `<code data-provenance="versions">genoflow ${version}, node ${process.versions.node}`,
    );
  });
});
