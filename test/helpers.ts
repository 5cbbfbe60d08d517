import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';

export const repoRoot = resolve(import.meta.dirname, '..');
export const cliPath = join(repoRoot, 'dist/src/cli/main.js');
export const testkitPlugin = join(repoRoot, 'test/fixtures/testkit/index.js');

/** A fresh directory under test/out (inside the repo, so node_modules resolve from it). */
export function tempDir(prefix: string): string {
  const base = join(repoRoot, 'test/out');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

/** Writes a workflow file and returns its path. */
export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the built CLI; `input` is piped to its stdin (a string, buffer or stream). */
export function cli(
  args: string[],
  options: {
    cwd?: string;
    input?: string | Buffer | Readable;
    env?: Record<string, string>;
    wrap?: string[];
  } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const [command, ...prefix] = options.wrap ?? ['node'];
    const child = spawn(command!, [...prefix, ...(options.wrap ? ['node'] : []), cliPath, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdin.on('error', () => {});
    if (options.input === undefined) child.stdin.end();
    else if (typeof options.input === 'string' || Buffer.isBuffer(options.input))
      child.stdin.end(options.input);
    else options.input.pipe(child.stdin);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: err }),
    );
  });
}

const recorder = pathToFileURL(join(repoRoot, 'test/fixtures/record-imports.mjs')).href;

/** Runs the CLI with every resolved module URL recorded; returns the result and the URLs. */
export async function cliImports(args: string[], cwd?: string) {
  const log = join(tempDir('imports'), 'imports.txt');
  writeFileSync(log, '');
  const result = await cli(args, {
    cwd,
    env: { NODE_OPTIONS: `--import=${recorder}`, GENOFLOW_TEST_IMPORT_LOG: log },
  });
  return { result, imports: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}
