import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { StageContext, StageDefinition } from '../../src/plugin-api/index.js';

/** Records of FASTA text as printed by samtools (multi-line), in order. */
export function parseFastaText(text: string): Array<{ name: string; seq: string }> {
  const records: Array<{ name: string; seq: string }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('>')) records.push({ name: line.slice(1), seq: '' });
    else if (line !== '') records[records.length - 1]!.seq += line;
  }
  return records;
}

/** `samtools faidx FILE REGIONS...` parsed. */
export function samtoolsFaidx(file: string, regions: string[]): Array<{ name: string; seq: string }> {
  return parseFastaText(
    execFileSync('samtools', ['faidx', file, ...regions], { maxBuffer: 1 << 30 }).toString(),
  );
}

/** A deterministic pseudo-random generator (mulberry32) for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The error a stage fails with. Runs `run` on a minimal context rather than through
 * runStageForTest, whose output channel leaves an unhandled rejection behind when a stage
 * fails (it fails the channel its collector is still reading and never awaits it).
 */
export async function stageFailure<P>(
  stage: StageDefinition<P, unknown>,
  params: Record<string, unknown>,
  inputs: Record<string, Iterable<unknown>> = {},
  stdin = '',
): Promise<string> {
  const ctx: StageContext<P> = {
    params: stage.params.parse(params),
    stageName: 'test',
    inputs: Object.fromEntries(Object.entries(inputs).map(([name, items]) => [name, Readable.from(items)])),
    log: { debug() {}, info() {}, warn() {}, error() {} },
    progress: { status() {}, count() {} },
    signal: new AbortController().signal,
    scratchDir: tmpdir(),
    threads: 1,
    resolvePath: (path) => resolve(path),
    stdin: () => Readable.from([Buffer.from(stdin)]),
    stdout: () => new PassThrough(),
    declareInputFile() {},
    declareOutputFile() {},
    checkpointDir: tmpdir(),
  };
  try {
    const result = stage.run(ctx);
    if (Symbol.asyncIterator in result) for await (const _ of result);
    else await result;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the stage did not fail');
}
