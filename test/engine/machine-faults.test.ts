import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir, writeFile } from '../helpers.js';

/*
 * A full disk is a real 20 MB tmpfs (mounting needs root, which the CI container has; the
 * tests are skipped where mount is not permitted).
 */
const mounts: string[] = [];
function tmpfs(): string {
  const dir = tempDir('tmpfs');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}
const canMount = (() => {
  try {
    const dir = tmpfs();
    execFileSync('umount', [mounts.pop()!]);
    rmSync(dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
})();
afterAll(() => {
  for (const dir of mounts) spawnSync('umount', [dir]);
});

/** Fills a file system to the last byte. */
function fill(dir: string): void {
  spawnSync('sh', ['-c', `cat /dev/zero > ${dir}/fill`]);
}

const workflow = `name: disk
params:
  n: 8000000
  out: out.txt
stages:
  numbers:
    uses: shell.run
    with: { command: "seq 1 \${params.n}" }
    store: true
  out:
    uses: text.write
    from: numbers
    with: { path: "\${params.out}" }
`;

function project(): string {
  const dir = tempDir('faults');
  writeFile(dir, 'wf.yaml', workflow);
  return dir;
}

const run = (dir: string, args: string[]) => cli(['run', 'wf.yaml', ...args], { cwd: dir });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /ENOSPC/.test(l));
const committed = (work: string) =>
  readdirSync(join(work, 'cache/entries')).filter((name) => !name.startsWith('.'));

describe.skipIf(!canMount)('a full disk (20 MB tmpfs)', () => {
  it('as the work dir, mid-run: one line naming the entry file and ENOSPC, exit 1, lock released, nothing committed', async () => {
    const dir = project();
    const work = join(tmpfs(), 'work');
    const result = await run(dir, ['--work-dir', work]);
    expect(result.code).toBe(1);
    const lines = errorLines(result.stderr);
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `ENOSPC: no space left on device, write '${work}/cache/entries/\\.partial-[^']+/output\\.bin'`,
      ),
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, 'lock'))).toBe(false);
    expect(readdirSync(join(work, 'cache/entries'))).toEqual([]);
    expect(existsSync(join(dir, 'out.txt'))).toBe(false);
    // the same work dir works once the output fits
    const small = await run(dir, ['--work-dir', work, '-p', 'n=1000']);
    expect(small.code, small.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8').split('\n')[999]).toBe('1000');
  }, 60_000);

  it('as the work dir, while stdin is spooled: the line names the spool file, which is removed', async () => {
    const dir = tempDir('faults-stdin');
    writeFile(
      dir,
      'wf.yaml',
      'name: pipe\nstages:\n  read:\n    uses: text.read\n    with: { path: "-" }\n  out:\n    uses: text.write\n    from: read\n    with: { path: out.txt }\n',
    );
    const work = join(tmpfs(), 'work');
    const input = Buffer.from(`${Array.from({ length: 4_000_000 }, (_, i) => i).join('\n')}\n`);
    const result = await cli(['run', 'wf.yaml', '--work-dir', work], { cwd: dir, input });
    expect(result.code).toBe(1);
    const lines = errorLines(result.stderr);
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`ENOSPC: no space left on device, write '${work}/stdin/[^']+\\.bin'`),
    );
    expect(readdirSync(join(work, 'stdin'))).toEqual([]);
    expect(existsSync(join(work, 'lock'))).toBe(false);
    expect(existsSync(join(dir, 'out.txt'))).toBe(false);
  }, 60_000);

  it('as the output dir, mid-run: the line names the output file; no partial output is left', async () => {
    const dir = project();
    const disk = tmpfs();
    const result = await run(dir, ['-p', `out=${disk}/out.txt`]);
    expect(result.code).toBe(1);
    const lines = errorLines(result.stderr);
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`ENOSPC: no space left on device, write '${disk}/out.txt'`);
    expect(readdirSync(disk)).toEqual([]);
    expect(existsSync(join(dir, '.genoflow/lock'))).toBe(false);
  }, 60_000);

  it('as the work dir, full at start: a clear line, no lock left behind, and the next run works', async () => {
    const dir = project();
    const disk = tmpfs();
    const work = join(disk, 'work');
    fill(disk);
    const result = await run(dir, ['--work-dir', work, '-p', 'n=10']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      new RegExp(`^genoflow: ENOSPC: no space left on device, write '${work}/lock[^']*'$`),
    );
    expect(existsSync(join(work, 'lock'))).toBe(false);
    rmSync(join(disk, 'fill'));
    const next = await run(dir, ['--work-dir', work, '-p', 'n=10']);
    expect(next.code, next.stderr).toBe(0);
  }, 60_000);

  it('as the output dir, full at start: the line names the output file', async () => {
    const dir = project();
    const disk = tmpfs();
    fill(disk);
    const result = await run(dir, ['-p', `out=${disk}/out.txt`, '-p', 'n=10000']);
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringContaining(`ENOSPC: no space left on device, write '${disk}/out.txt'`),
    ]);
    expect(readdirSync(disk)).toEqual(['fill']);
  }, 60_000);
});

describe('what dead runs leave', () => {
  const deadPid = () =>
    spawnSync('node', ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();

  it('an empty or unreadable lock is taken over with a warning', async () => {
    const dir = project();
    expect((await run(dir, ['-p', 'n=10'])).code).toBe(0);
    for (const [content, word] of [
      ['', 'empty'],
      ['{"pid":', 'unreadable'],
    ]) {
      writeFileSync(join(dir, '.genoflow/lock'), content!);
      const result = await run(dir, ['-p', 'n=20']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`warning: work dir lock ${join(dir, '.genoflow/lock')} is ${word}`);
      expect(existsSync(join(dir, '.genoflow/lock'))).toBe(false);
    }
  }, 60_000);

  it('stale .partial entries and temp outputs of dead runs are removed by the next run (and by clean)', async () => {
    const dir = project();
    expect((await run(dir, ['-p', 'n=10'])).code).toBe(0);
    const entries = join(dir, '.genoflow/cache/entries');
    const plant = () => {
      const partial = join(entries, `.partial-${hostname()}.${deadPid()}.1-abc`);
      mkdirSync(partial);
      writeFileSync(join(partial, 'output.bin'), 'x'.repeat(1000));
    };
    plant();
    const dead = `.out.txt.${hostname()}.${deadPid()}.1.partial`;
    const live = `.out.txt.${hostname()}.${process.pid}.1.partial`;
    writeFileSync(join(dir, dead), 'half');
    writeFileSync(join(dir, live), 'in use');
    expect((await run(dir, ['-p', 'n=20'])).code).toBe(0);
    expect(readdirSync(entries).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(existsSync(join(dir, dead))).toBe(false);
    expect(existsSync(join(dir, live))).toBe(true);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8').split('\n')).toHaveLength(21);

    plant();
    const clean = await cli(['clean', '--keep', '5'], { cwd: dir });
    expect(clean.code, clean.stderr).toBe(0);
    expect(readdirSync(entries).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('clean --keep 0 removes every entry; --keep 1 keeps those of the last run', async () => {
    const dir = project();
    for (const n of [10, 20, 30]) expect((await run(dir, ['-p', `n=${n}`])).code).toBe(0);
    const entries = join(dir, '.genoflow/cache/entries');
    expect(committed(join(dir, '.genoflow'))).toHaveLength(3);
    const keepOne = await cli(['clean', '--keep', '1'], { cwd: dir });
    expect(keepOne.stderr).toContain('removed 2 cache entries; kept 1');
    const [last] = readdirSync(entries);
    expect(JSON.parse(readFileSync(join(entries, last!, 'manifest.json'), 'utf8')).records).toBe(30);
    const keepNone = await cli(['clean', '--keep', '0'], { cwd: dir });
    expect(keepNone.code, keepNone.stderr).toBe(0);
    expect(keepNone.stderr).toContain('removed 1 cache entries; kept 0');
    expect(readdirSync(entries)).toEqual([]);
  }, 60_000);
});

describe('the work dir trusts nothing it did not make', () => {
  it.each([
    'runs',
    'stdin',
    'checkpoints',
    'cache/entries',
    'cache/last',
    'cache/entries/KEY',
    'checkpoints/KEY',
  ])(
    'refuses a symlinked %s, and writes nothing where it points',
    async (sub) => {
      const dir = project();
      expect((await run(dir, ['-p', 'n=10'])).code).toBe(0);
      const outside = tempDir('outside');
      const planted = join(dir, '.genoflow', sub.replace('KEY', 'a'.repeat(64)));
      rmSync(planted, { recursive: true, force: true });
      symlinkSync(outside, planted);
      const result = await run(dir, ['-p', 'n=20']);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `genoflow: ${planted} is a symlink (to ${outside}); genoflow follows no links inside its work dir: remove it, or use another --work-dir`,
      );
      expect(readdirSync(outside)).toEqual([]);
      const clean = await cli(['clean', '--all'], { cwd: dir });
      expect(clean.code).toBe(1);
      expect(clean.stderr).toContain(`${planted} is a symlink`);
      expect(existsSync(join(dir, '.genoflow/lock'))).toBe(false);
    },
    30_000,
  );
});
