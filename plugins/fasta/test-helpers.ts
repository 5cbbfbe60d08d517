import { execFileSync } from 'node:child_process';
import type { StageDefinition } from '../../src/plugin-api/index.js';
import { stageError } from '../../src/plugin-api/testing.js';

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

/** The message of the error a stage fails with. */
export async function stageFailure<P>(
  stage: StageDefinition<P, unknown>,
  params: Record<string, unknown>,
  inputs: Record<string, Iterable<unknown>> = {},
  stdin = '',
): Promise<string> {
  return (await stageError(stage, { params, inputs, stdin })).message;
}
