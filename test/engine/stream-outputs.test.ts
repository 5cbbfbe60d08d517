import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, tempDir, writeFile } from '../helpers.js';

const workflow = (output: string) =>
  `name: to-a-stream\nstages:\n  read:\n    uses: text.read\n    with: { path: lines.txt }\n  write:\n    uses: text.write\n    from: read\n    with: { path: "${output}" }\n`;

/** The status of the sink in the trace of a run. */
const sinkStatus = (trace: string) =>
  parseTrace(readFileSync(trace, 'utf8')).find((r) => r.stage === 'write')!.status;

describe('a sink whose output is a device or a pipe', () => {
  it('writes /dev/null as it is: it stays the null device, and --resume writes it again', async () => {
    const dir = tempDir('dev-null');
    writeFile(dir, 'lines.txt', 'a\nb\n');
    writeFile(dir, 'wf.yaml', workflow('/dev/null'));
    for (const args of [[], ['--resume']]) {
      const run = await cli(['run', 'wf.yaml', '--trace', 'trace.tsv', ...args], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
      expect(sinkStatus(join(dir, 'trace.tsv'))).toBe('COMPLETED');
    }
  });

  it('writes a FIFO straight through (what `-p out=>(bgzip > x.gz)` gives) and re-runs on --resume', async () => {
    const dir = tempDir('fifo');
    writeFile(dir, 'lines.txt', 'a\nb\n');
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    writeFile(dir, 'wf.yaml', workflow(fifo));
    for (const args of [[], ['--resume']]) {
      const reader = spawn('cat', [fifo]);
      let got = '';
      reader.stdout.on('data', (c: Buffer) => {
        got += c.toString();
      });
      const closed = new Promise((r) => reader.on('close', r));
      const run = await cli(['run', 'wf.yaml', '--trace', 'trace.tsv', ...args], { cwd: dir });
      await closed;
      expect(run.code, run.stderr).toBe(0);
      expect(got).toBe('a\nb\n');
      expect(statSync(fifo).isFIFO()).toBe(true);
      expect(sinkStatus(join(dir, 'trace.tsv'))).toBe('COMPLETED');
    }
  });
});

describe('what a run leaves in its work dir', () => {
  it('no empty scratch or checkpoint dirs, after a run that completed and one that failed', async () => {
    const dir = tempDir('no-empty-dirs');
    writeFile(dir, 'lines.txt', 'a\nb\n');
    writeFile(dir, 'ok.yaml', workflow('out.txt'));
    writeFile(
      dir,
      'fails.yaml',
      'name: fails\nstages:\n  boom:\n    uses: shell.run\n    with: { command: "exit 3" }\n  out:\n    uses: text.write\n    from: boom\n    with: { path: out2.txt }\n',
    );
    expect((await cli(['run', 'ok.yaml', '-q'], { cwd: dir })).code).toBe(0);
    const failed = await cli(['run', 'fails.yaml', '-q'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/stage "boom" failed: .*exited with status 3/);
    expect(failed.stderr).not.toMatch(/scratch dir kept/);
    const empty = execFileSync('find', [
      join(dir, '.genoflow/runs'),
      join(dir, '.genoflow/checkpoints'),
      '-mindepth',
      '1',
      '-type',
      'd',
      '-empty',
    ])
      .toString()
      .trim();
    expect(empty).toBe('');
  });
});

describe('time running vs waiting', () => {
  it('a sink behind a slow producer spends its time waiting, and the trace says so', async () => {
    const dir = tempDir('waiting');
    writeFile(
      dir,
      'wf.yaml',
      'name: slow\nstages:\n  slow:\n    uses: shell.run\n    with: { command: "sleep 1.5; echo done" }\n  out:\n    uses: text.write\n    from: slow\n    with: { path: out.txt }\n',
    );
    const run = await cli(['run', 'wf.yaml', '-q', '--trace', 'trace.tsv'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const out = parseTrace(readFileSync(join(dir, 'trace.tsv'), 'utf8')).find((r) => r.stage === 'out')!;
    expect(out.wait_ms).toBeGreaterThanOrEqual(1200);
    expect(out.wait_ms).toBeLessThanOrEqual(out.duration_ms + 50);
    // The producer itself waited on nothing.
    expect(
      parseTrace(readFileSync(join(dir, 'trace.tsv'), 'utf8')).find((r) => r.stage === 'slow')!.wait_ms,
    ).toBeLessThan(200);
  });
});
