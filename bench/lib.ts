import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (bench files run from dist/bench/...). */
export const repoRoot = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../..' : '..');
export const genoflowCli = join(repoRoot, 'dist/src/cli/main.js');

/** A scratch folder under bench/out (git-ignored). */
export function benchOut(sub: string): string {
  const dir = join(repoRoot, 'bench/out', sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Measured {
  seconds: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a shell command under /usr/bin/time: wall seconds and the peak RSS of its largest process. */
export function measure(command: string, options: { cwd?: string } = {}): Measured {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', 'sh', '-c', command], {
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0)
    throw new Error(`${command} failed (${result.status}):\n${result.stderr.slice(-2000)}`);
  const rss = /maxrss_kb=(\d+)/.exec(result.stderr);
  return { seconds, maxRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN, stdout: result.stdout };
}

/**
 * Measures several commands interleaved (a, b, a, b, ...) so background load hits them
 * alike, and keeps each one's best time.
 */
export function bestOfInterleaved(
  commands: Record<string, string>,
  rounds: number,
  options: { cwd?: string } = {},
) {
  const best: Record<string, Measured> = {};
  for (let i = 0; i < rounds; i++) {
    for (const [name, command] of Object.entries(commands)) {
      const m = measure(command, options);
      if (!best[name] || m.seconds < best[name].seconds)
        best[name] = { ...m, maxRssMb: Math.max(m.maxRssMb, best[name]?.maxRssMb ?? 0) };
    }
  }
  return best;
}

/** Prints an aligned table to stdout. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  console.log(`\n## ${title}\n`);
  for (const [n, row] of cells.entries()) {
    console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

export const fixed = (n: number, digits = 2) => n.toFixed(digits);
export const intArg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
