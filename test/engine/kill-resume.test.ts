import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, linkSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliPath, tempDir, writeFile } from '../helpers.js';

const workflow = `name: killed
stages:
  read:
    uses: text.read
    with: { path: input.txt }
    store: true
  upper:
    uses: shell.run
    from: read
    with: { command: "tr a-z A-Z" }
    store: true
  out:
    uses: text.write
    from: upper
    with: { path: out.txt }
  count:
    uses: shell.run
    from: upper
    with: { command: "wc -l" }
  counted:
    uses: text.write
    from: count
    with: { path: count.txt }
`;

/** 100 MB of text lines, the same every time. */
function writeInput(file: string): void {
  const fd = openSync(file, 'w');
  let state = 1;
  for (let written = 0, i = 0; written < 100 << 20; ) {
    const lines: string[] = [];
    for (let j = 0; j < 20_000; j++, i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      lines.push(`read${i}\t${'acgt'.repeat(4 + (state % 12))}`);
    }
    written += writeSync(fd, `${lines.join('\n')}\n`);
  }
  closeSync(fd);
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const leftovers = (dir: string) => [
  ...readdirSync(join(dir, '.genoflow/cache/entries')).filter((n) => n.startsWith('.partial')),
  ...readdirSync(dir).filter((n) => n.endsWith('.partial')),
];

function project(): string {
  const dir = tempDir('kill9');
  writeFile(dir, 'wf.yaml', workflow);
  return dir;
}

describe('kill -9 at random moments of a multi-stage run with stored stages', () => {
  it('then --resume: byte-identical to a fresh run, and no .partial left after it', async () => {
    const fresh = project();
    const input = join(fresh, 'input.txt');
    writeInput(input);
    const started = Date.now();
    const clean = await cli(['run', 'wf.yaml', '-q'], { cwd: fresh });
    const duration = Date.now() - started;
    expect(clean.code, clean.stderr).toBe(0);
    const expected = {
      out: sha(join(fresh, 'out.txt')),
      count: readFileSync(join(fresh, 'count.txt'), 'utf8'),
    };

    // Ten trials, each killed at a random moment of its run, then resumed (and resumed again,
    // which must find nothing left to clear). A run that ends before its kill (the machine ran
    // faster than the fresh run did) is no trial: it is drawn again, earlier.
    let landed = 0;
    let window = duration;
    for (let attempt = 0; landed < 10 && attempt < 40; attempt++) {
      const dir = project();
      linkSync(input, join(dir, 'input.txt'));
      const moment = Math.round(150 + Math.random() * window);
      const child = spawn('node', [cliPath, 'run', 'wf.yaml', '-q'], { cwd: dir, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), moment);
      const signal = await new Promise((r) => child.on('close', (_, s) => r(s)));
      clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        window = Math.max(100, window * 0.7);
        rmSync(dir, { recursive: true });
        continue;
      }
      landed++;
      const resumed = await cli(['run', 'wf.yaml', '--resume', '-q'], { cwd: dir });
      expect(resumed.code, `killed at ${moment} ms: ${resumed.stderr}`).toBe(0);
      expect(sha(join(dir, 'out.txt')), `killed at ${moment} ms`).toBe(expected.out);
      expect(readFileSync(join(dir, 'count.txt'), 'utf8')).toBe(expected.count);
      expect(leftovers(dir), `killed at ${moment} ms`).toEqual([]);
      rmSync(dir, { recursive: true });
    }
    expect(landed).toBe(10);
    rmSync(fresh, { recursive: true });
  }, 400_000);
});
