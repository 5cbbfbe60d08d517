import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cli, cliPath, repoRoot, tempDir, writeFile } from '../helpers.js';

/** Deterministic text lines of varied length, `bytes` long in all. */
function* generatedText(bytes: number): Generator<Buffer> {
  let written = 0;
  let state = 12345;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      lines.push(`${written + i}\t${'ACGT'[state & 3]!.repeat(20 + (state % 80))}\tx`);
    }
    const chunk = Buffer.from(`${lines.join('\n')}\n`);
    written += chunk.length;
    yield chunk;
  }
}

describe('the CLI', () => {
  it('runs as `npx genoflow` from the built package (its bin is executable)', () => {
    const run = spawnSync('npx', ['--no-install', 'genoflow', 'plugins'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.stderr).not.toMatch(/Permission denied/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/tfjs\.train/);
  });

  it('pipes 200 MB through text.read - → text.write - byte for byte, in bounded memory', async () => {
    const dir = tempDir('pipe');
    const wf = writeFile(
      dir,
      'wf.yaml',
      'name: pipe\nstages:\n  read:\n    uses: text.read\n    with: { path: "-" }\n  write:\n    uses: text.write\n    from: read\n    with: { path: "-" }\n',
    );
    const inputHash = createHash('sha256');
    const outputHash = createHash('sha256');
    let inBytes = 0;
    let outBytes = 0;
    const input = Readable.from(
      (function* () {
        for (const chunk of generatedText(200 * 1024 * 1024)) {
          inputHash.update(chunk);
          inBytes += chunk.length;
          yield chunk;
        }
      })(),
    );
    const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', 'node', cliPath, 'run', wf, '-q'], {
      cwd: dir,
    });
    input.pipe(child.stdin);
    child.stdout.on('data', (c: Buffer) => {
      outputHash.update(c);
      outBytes += c.length;
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    const code = await new Promise((r) => child.on('close', r));
    expect(code, stderr).toBe(0);
    expect(outBytes).toBe(inBytes);
    expect(outputHash.digest('hex')).toBe(inputHash.digest('hex'));
    const rssKb = Number(/maxrss_kb=(\d+)/.exec(stderr)![1]);
    expect(rssKb / 1024).toBeLessThan(250);
  }, 180_000);

  it('a failed shell.run stage leaves no child process behind', async () => {
    const dir = tempDir('shell');
    const marker = `genoflow-test-marker-${process.pid}-${Date.now()}`;
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: shell\nstages:\n  slow:\n    uses: shell.run\n    with: { command: "sleep 300; echo ${marker}" }\n  fast:\n    uses: shell.run\n    with: { command: "echo oops >&2; exit 3" }\n  a:\n    uses: text.write\n    from: slow\n    with: { path: out-a.txt }\n  b:\n    uses: text.write\n    from: fast\n    with: { path: out-b.txt }\n`,
    );
    const result = await cli(['run', wf], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /stage "fast" failed: command echo oops >&2; exit 3 exited with status 3; its stderr ended with:\n {2}oops/,
    );
    const survivors = await new Promise<string>((resolve) => {
      const ps = spawn('pgrep', ['-f', marker]);
      let out = '';
      ps.stdout.on('data', (c) => {
        out += c;
      });
      ps.on('close', () => resolve(out.trim()));
    });
    expect(survivors).toBe('');
    // nothing half-written is left where the outputs would go
    expect(existsSync(`${dir}/out-a.txt`)).toBe(false);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} stops every stage, ends child processes, leaves no output, and exits ${code}`, async () => {
      const dir = tempDir('signal');
      const marker = `genoflow-signal-${signal}-${process.pid}-${Date.now()}`;
      const wf = writeFile(
        dir,
        'wf.yaml',
        `name: endless\nstages:\n  words:\n    uses: shell.run\n    with: { command: "yes ${marker}" }\n  out:\n    uses: text.write\n    from: words\n    with: { path: out.txt }\n`,
      );
      const child = spawn('node', [cliPath, 'run', wf], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c;
      });
      await new Promise((r) => setTimeout(r, 1500));
      child.kill(signal);
      const exitCode = await new Promise((r) => child.on('close', r));
      expect(exitCode, stderr).toBe(code);
      expect(stderr).toContain(`${signal}: stopping every stage`);
      expect(existsSync(`${dir}/out.txt`)).toBe(false);
      const survivors = spawnSync('pgrep', ['-f', marker]).stdout.toString().trim();
      expect(survivors).toBe('');
    });
  }

  it('prints the DAG as mermaid and dot, and lists plugins with signatures', async () => {
    const dir = tempDir('dag');
    const wf = writeFile(
      dir,
      'wf.yaml',
      'name: d\nstages:\n  read:\n    uses: text.read\n    with: { path: x.txt }\n  write:\n    uses: table.write\n    from: read\n    with: { path: "-" }\n',
    );
    const mermaid = (await cli(['dag', wf])).stdout.toString();
    expect(mermaid).toContain('read -->|line| write');
    expect(mermaid).toContain('read<br/>text.read');
    const dot = (await cli(['dag', wf, '--format', 'dot'])).stdout.toString();
    expect(dot).toContain('"read" -> "write" [label="line"];');
    const plugins = (await cli(['plugins'])).stdout.toString();
    expect(plugins).toMatch(/^ {2}text\.read +\(\) -> line /m);
    expect(plugins).toMatch(/^ {2}table\.write +\(any\) -> \(\) /m);
  });
});
