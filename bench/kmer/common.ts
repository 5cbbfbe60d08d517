/** Shared pieces of the kmer benchmarks: deterministic reads, stage runs, child runs. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { batchesOf, type StageDefinition } from '../../src/plugin-api/index.js';
import { stageOutputForTest } from '../../src/plugin-api/testing.js';

export const run = promisify(execFile);
/** The repository root, from dist/bench/kmer or bench/kmer alike. */
export const repoRoot = resolve(
  fileURLToPath(import.meta.url),
  import.meta.url.includes('/dist/') ? '../../../..' : '../../..',
);
export const outDir = join(repoRoot, 'bench/out/kmer');

/** `--name value` from argv. */
export function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

export const READ_LENGTH = 150;

/**
 * Writes `reads` reads of READ_LENGTH bp sampled (forward strand) from a random 4 Mb genome, one
 * line each, with a fixed seed: the same file every time. Kept when it exists.
 */
export async function generateReads(reads: number): Promise<string> {
  const path = join(outDir, `reads-${reads}.fa`);
  if (existsSync(path)) return path;
  await mkdir(outDir, { recursive: true });
  let state = 0x2545f491;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const genome = Buffer.alloc(4_000_000);
  for (let i = 0; i < genome.length; i++) genome[i] = 'ACGT'.charCodeAt(random() & 3);
  const file = await open(`${path}.partial`, 'w');
  const chunk: string[] = [];
  for (let r = 0; r < reads; r++) {
    const start = random() % (genome.length - READ_LENGTH);
    chunk.push(`>read${r}\n${genome.toString('latin1', start, start + READ_LENGTH)}\n`);
    if (chunk.length === 10_000 || r === reads - 1) {
      await file.write(chunk.join(''));
      chunk.length = 0;
    }
  }
  await file.close();
  await rename(`${path}.partial`, path);
  return path;
}

/**
 * Runs a stage through the engine's stage runner with its output consumed as a stream
 * (nothing collected, so memory shows the stage's own footprint).
 */
export function streamStage<P, Out>(
  stage: StageDefinition<P, Out>,
  params: Record<string, unknown>,
  input: AsyncIterable<unknown>,
  threads: number,
  onRecord: (record: Out) => void,
): Promise<void> {
  return streamStageArrays(stage, params, input, threads, (records) => {
    for (const record of records) onRecord(record);
  });
}

/** `streamStage` with the output consumed as engine stages read it: an array of records at a time. */
export async function streamStageArrays<P, Out>(
  stage: StageDefinition<P, Out>,
  params: Record<string, unknown>,
  input: AsyncIterable<unknown>,
  threads: number,
  onRecords: (records: readonly Out[]) => void,
): Promise<void> {
  const output = stageOutputForTest(stage, { params, inputs: { in: input }, threads });
  for await (const entry of batchesOf(output)) if (entry.count) onRecords(entry.records);
}

/** Runs this script again as a child with `args`; returns the JSON line it prints. */
export async function child<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [script, '--child', ...args], { maxBuffer: 1 << 26 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/**
 * CPU seconds the calling thread has used (Linux: /proc/thread-self/stat, in clock ticks of
 * 10 ms); undefined elsewhere. Shows whether the main thread is the stage's bottleneck.
 */
export function threadCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'latin1').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs each of `runs` `rounds` times, interleaved (a, b, a, b...), and keeps the fastest of each. */
export async function bestOfInterleaved<T extends { seconds: number }>(
  runs: Array<() => Promise<T>>,
  rounds = 3,
): Promise<T[]> {
  const best: T[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < runs.length; i++) {
      const result = await runs[i]!();
      if (best[i] === undefined || result.seconds < best[i]!.seconds) best[i] = result;
    }
  }
  return best;
}

/**
 * Peak RSS of this process in MiB: VmHWM where Linux has it, since getrusage's maxRSS
 * survives exec and so starts at the RSS of the parent that spawned this child.
 */
export function peakRssMiB(): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
    if (kib) return Number(kib) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const columns = Object.keys(rows[0]!);
  const cell = (v: string | number) => (typeof v === 'number' ? v.toFixed(v >= 100 ? 0 : 2) : v);
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c]!)).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(width[i]!)).join('  ');
  return [line(columns), ...rows.map((r) => line(columns.map((c) => String(cell(r[c]!)))))].join('\n');
}

export const here = (url: string) => dirname(fileURLToPath(url));
