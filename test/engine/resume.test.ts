import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, cliPath, tempDir, writeFile } from '../helpers.js';

/** Runs the CLI in `dir` with a trace, returning stage → status (and the trace rows). */
async function runTraced(dir: string, args: string[], input?: string | Buffer) {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}.tsv`);
  const result = await cli(['run', ...args, '--trace', trace], { cwd: dir, input });
  if (!existsSync(trace))
    throw new Error(`genoflow ${args.join(' ')} wrote no trace (exit ${result.code}):\n${result.stderr}`);
  const rows = parseTrace(readFileSync(trace, 'utf8'));
  const status = Object.fromEntries(rows.map((r) => [r.stage, r.status]));
  return { ...result, rows, status };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('resume', () => {
  it('re-runs a failed stage after its param is fixed, reusing stored upstream stages', async () => {
    const wf = `name: fix\nparams:\n  cmd: "exit 1"\nstages:\n  numbers:\n    uses: shell.run\n    with: { command: "seq 1 5000" }\n    store: true\n  step:\n    uses: shell.run\n    from: numbers\n    with: { command: "\${params.cmd}" }\n  out:\n    uses: text.write\n    from: step\n    with: { path: out.txt }\n`;
    const dir = tempDir('fix');
    writeFile(dir, 'wf.yaml', wf);
    const failed = await runTraced(dir, ['wf.yaml']);
    expect(failed.code).toBe(1);
    expect(failed.status).toEqual({ numbers: 'COMPLETED', step: 'FAILED', out: 'ABORTED' });
    expect(existsSync(join(dir, 'out.txt'))).toBe(false);

    const resumed = await runTraced(dir, ['wf.yaml', '--resume', '-p', 'cmd=sed s/^/x/']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.status).toEqual({ numbers: 'CACHED', step: 'COMPLETED', out: 'COMPLETED' });
    expect(resumed.stderr).toMatch(/3 stages: 1 cached, 2 run, 0 failed/);
    expect(resumed.rows.every((r) => r.cache_key.length === 64)).toBe(true);

    const clean = tempDir('fix-clean');
    writeFile(clean, 'wf.yaml', wf);
    expect((await runTraced(clean, ['wf.yaml', '-p', 'cmd=sed s/^/x/'])).code).toBe(0);
    expect(sha(join(dir, 'out.txt'))).toBe(sha(join(clean, 'out.txt')));
    expect(readFileSync(join(dir, 'out.txt'), 'utf8').split('\n')[4999]).toBe('x5000');
  });

  it('after kill -9 while a stored stage writes a large output, resume completes and never uses the partial entry', async () => {
    const dir = tempDir('kill');
    writeFile(
      dir,
      'wf.yaml',
      'name: kill\nstages:\n  big:\n    uses: shell.run\n    with: { command: "seq 1 15000000" }\n    store: true\n  out:\n    uses: text.write\n    from: big\n    with: { path: big.txt }\n',
    );
    const child = spawn('node', [cliPath, 'run', 'wf.yaml', '-q'], { cwd: dir, stdio: 'ignore' });
    const entries = join(dir, '.genoflow/cache/entries');
    const partialSize = () => {
      if (!existsSync(entries)) return 0;
      const partial = readdirSync(entries).find((n) => n.startsWith('.partial-'));
      const file = partial && join(entries, partial, 'output.bin');
      return file && existsSync(file) ? statSync(file).size : 0;
    };
    while (partialSize() < 30 << 20) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(existsSync(join(dir, 'big.txt'))).toBe(false);
    expect(readdirSync(entries).filter((n) => !n.startsWith('.'))).toEqual([]);

    const resumed = await runTraced(dir, ['wf.yaml', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.status).toEqual({ big: 'COMPLETED', out: 'COMPLETED' });
    const lines = readFileSync(join(dir, 'big.txt'), 'utf8');
    expect(lines.length).toBe(statSync(join(dir, 'big.txt')).size);
    expect(lines.endsWith('14999999\n15000000\n')).toBe(true);
    // the committed entry's checksum matches its data; the killed run's partial was never committed
    const [committed] = readdirSync(entries).filter((n) => !n.startsWith('.'));
    const manifest = JSON.parse(readFileSync(join(entries, committed!, 'manifest.json'), 'utf8'));
    expect(manifest.records).toBe(15_000_000);
    expect(crc32(readFileSync(join(entries, committed!, 'output.bin')))).toBe(manifest.crc32);
    expect(manifest.key).toBe(resumed.rows.find((r) => r.stage === 'big')!.cache_key);

    const again = await runTraced(dir, ['wf.yaml', '--resume']);
    expect(again.status).toEqual({ big: 'CACHED', out: 'CACHED' });
  }, 120_000);

  it('re-runs exactly what a change reaches: param, touch, one edited byte; why and --dry-run say so', async () => {
    const dir = tempDir('change');
    writeFileSync(join(dir, 'a.txt'), 'c\nb\na\n');
    writeFileSync(join(dir, 'other.txt'), 'z\n');
    writeFile(
      dir,
      'wf.yaml',
      'name: change\nparams:\n  filter: "cat"\nstages:\n  a:\n    uses: text.read\n    with: { path: a.txt }\n    store: true\n  sorted:\n    uses: shell.run\n    from: a\n    with: { command: sort }\n    store: true\n  filtered:\n    uses: shell.run\n    from: sorted\n    with: { command: "${params.filter}" }\n  out:\n    uses: text.write\n    from: filtered\n    with: { path: out.txt }\n  other:\n    uses: text.read\n    with: { path: other.txt }\n  other-out:\n    uses: text.write\n    from: other\n    with: { path: other-out.txt }\n',
    );
    const first = await runTraced(dir, ['wf.yaml']);
    expect(first.code, first.stderr).toBe(0);

    const all = {
      a: 'CACHED',
      sorted: 'CACHED',
      filtered: 'CACHED',
      out: 'CACHED',
      other: 'CACHED',
      'other-out': 'CACHED',
    };
    expect((await runTraced(dir, ['wf.yaml', '--resume'])).status).toEqual(all);

    const why = await cli(['why', 'wf.yaml', 'filtered', '-p', 'filter=tac'], { cwd: dir });
    expect(why.stdout.toString()).toBe('filtered: runs: param command: "cat" -> "tac"\n');
    const dry = await cli(['run', 'wf.yaml', '--resume', '--dry-run', '-p', 'filter=tac'], { cwd: dir });
    expect(dry.stdout.toString().split('\n').filter(Boolean)).toEqual([
      'a          cached  unchanged',
      'sorted     cached  unchanged',
      'filtered   run     param command: "cat" -> "tac"',
      'out        run     upstream stage filtered changed',
      'other      cached  unchanged',
      'other-out  cached  unchanged',
    ]);
    const param = await runTraced(dir, ['wf.yaml', '--resume', '-p', 'filter=tac']);
    expect(param.status).toEqual({ ...all, filtered: 'COMPLETED', out: 'COMPLETED' });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('c\nb\na\n');

    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'a.txt'), later, later);
    expect((await cli(['why', 'wf.yaml', 'a', '-p', 'filter=tac'], { cwd: dir })).stdout.toString()).toBe(
      'a: cached\n',
    );
    expect((await runTraced(dir, ['wf.yaml', '--resume', '-p', 'filter=tac'])).status).toEqual(all);

    writeFileSync(join(dir, 'a.txt'), 'c\nd\na\n');
    expect((await cli(['why', 'wf.yaml', 'a', '-p', 'filter=tac'], { cwd: dir })).stdout.toString()).toBe(
      'a: runs: input a.txt: content changed\n',
    );
    const edited = await runTraced(dir, ['wf.yaml', '--resume', '-p', 'filter=tac']);
    expect(edited.status).toEqual({
      ...all,
      a: 'COMPLETED',
      sorted: 'COMPLETED',
      filtered: 'COMPLETED',
      out: 'COMPLETED',
    });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('d\nc\na\n');
  }, 60_000);

  it('replays spooled stdin on --resume --reuse-stdin', async () => {
    const dir = tempDir('stdin');
    const input = Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    writeFile(
      dir,
      'wf.yaml',
      'name: stdin\nparams:\n  cmd: "exit 1"\nstages:\n  read:\n    uses: text.read\n    with: { path: "-" }\n  step:\n    uses: shell.run\n    from: read\n    with: { command: "${params.cmd}" }\n  out:\n    uses: text.write\n    from: step\n    with: { path: out.txt }\n',
    );
    const failed = await runTraced(dir, ['wf.yaml'], input);
    expect(failed.code).toBe(1);
    const resumed = await runTraced(dir, ['wf.yaml', '--resume', '--reuse-stdin', '-p', 'cmd=cat']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe(input);
    // a different stdin is noticed
    const changed = await cli(['why', 'wf.yaml', 'read', '-p', 'cmd=cat'], { cwd: dir });
    expect(changed.stdout.toString(), changed.stderr).toBe('read: cached\n');
    const other = await runTraced(dir, ['wf.yaml', '--resume', '-p', 'cmd=cat'], 'different\n');
    expect(other.status.read).toBe('COMPLETED');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('different\n');
  }, 60_000);

  it('retries a stage that fails twice, then succeeds on attempt 3', async () => {
    const dir = tempDir('retry');
    writeFile(
      dir,
      'wf.yaml',
      'name: retry\nstages:\n  src:\n    uses: shell.run\n    with: { command: "seq 1 10" }\n  flaky:\n    uses: shell.run\n    from: src\n    retries: 2\n    with: { command: "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ] && cat" }\n  out:\n    uses: text.write\n    from: flaky\n    with: { path: out.txt }\n',
    );
    const result = await runTraced(dir, ['wf.yaml']);
    expect(result.code, result.stderr).toBe(0);
    const flaky = result.rows.find((r) => r.stage === 'flaky')!;
    expect(flaky.status).toBe('COMPLETED');
    expect(flaky.attempt).toBe(3);
    expect(result.stderr).toMatch(/attempt 1 failed/);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
  });

  it('a second run on a busy work dir refuses clearly, and the cache stays intact', async () => {
    const dir = tempDir('lock');
    writeFile(
      dir,
      'wf.yaml',
      'name: lock\nstages:\n  slow:\n    uses: shell.run\n    with: { command: "sleep 2; seq 1 1000" }\n    store: true\n  out:\n    uses: text.write\n    from: slow\n    with: { path: out.txt }\n',
    );
    const first = cli(['run', 'wf.yaml'], { cwd: dir });
    await new Promise((r) => setTimeout(r, 1000));
    const second = await cli(['run', 'wf.yaml'], { cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/work dir .* is in use by another genoflow run/);
    expect((await first).code).toBe(0);
    const resumed = await runTraced(dir, ['wf.yaml', '--resume']);
    expect(resumed.status).toEqual({ slow: 'CACHED', out: 'CACHED' });
    const log = await cli(['log'], { cwd: dir });
    expect(log.stdout.toString().split('\n')[0]).toMatch(
      /^run +start +duration +status +workflow +cached +run +failed$/,
    );
    expect(log.stdout.toString()).toMatch(/COMPLETED +lock +2 +0 +0/);
  }, 60_000);
});
