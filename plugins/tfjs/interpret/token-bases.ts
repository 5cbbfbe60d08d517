import type { TokenizerSpec } from '../../../src/plugin-api/index.js';

/**
 * The bases behind a row of overlapping stride-1 k-mer ids (or single-base ids) and the
 * way back, in the kmer plugin's id layout ([PAD] [UNK] [CLS] [SEP] [MASK], then k-mers in
 * 2-bit order: id = 5 + code, A=0 C=1 G=2 T=3, first base most significant). Token t of a
 * row covers bases t … t+k-1, so a substitution at base i changes tokens i-k+1 … i.
 * Bases are codes 0-3, and 4 (N) where no known k-mer covers them ([UNK] tokens).
 */
export const N_CODE = 4;
const PAD = 0;
const UNK = 1;
const CLS = 2;
const FIRST_KMER_ID = 5;
export const BASE_LETTERS = 'ACGTN';

export interface RowLayout {
  k: number;
  /** Index of the row's first k-mer token (1 after [CLS]). */
  first: number;
  /** The model's row length. */
  length: number;
}

/** The layout of rows of `spec`, or an error saying which tokenizers interpretation reads. */
export function rowLayout(spec: TokenizerSpec, length: number, where: string): RowLayout {
  const overlapping = (spec.kind === 'overlapping' && spec.stride === 1) || spec.kind === 'base';
  if (!overlapping || spec.ambiguous !== 'unk') {
    throw new Error(
      `${where}: interpretation maps tokens back to bases, which needs overlapping stride-1 k-mers or single bases with ambiguous: unk; the model's tokenizer is ${spec.kind} k=${spec.k} stride=${spec.stride} ambiguous=${spec.ambiguous}`,
    );
  }
  return { k: spec.k, first: spec.addCls ? 1 : 0, length };
}

/** The bases a row spells (codes, N_CODE where unknown). */
export function rowBases(row: Int32Array, layout: RowLayout): Uint8Array {
  const { k, first } = layout;
  let tokens = 0;
  while (first + tokens < row.length && row[first + tokens] !== PAD) tokens++;
  const bases = new Uint8Array(tokens ? tokens + k - 1 : 0).fill(N_CODE);
  for (let t = 0; t < tokens; t++) {
    const id = row[first + t]!;
    if (id === UNK) continue;
    if (id === CLS || id < FIRST_KMER_ID || id >= FIRST_KMER_ID + 4 ** k)
      throw new Error(`token id ${id} at ${first + t} is not a k-mer of k=${k}`);
    const code = id - FIRST_KMER_ID;
    for (let j = 0; j < k; j++) bases[t + j] = Math.floor(code / 4 ** (k - 1 - j)) % 4;
  }
  return bases;
}

/** The id of the k-mer of `bases[t … t+k)`, [UNK] when one of them is N. */
function kmerId(bases: Uint8Array, t: number, k: number): number {
  let code = 0;
  for (let j = 0; j < k; j++) {
    const b = bases[t + j]!;
    if (b === N_CODE) return UNK;
    code = code * 4 + b;
  }
  return FIRST_KMER_ID + code;
}

/**
 * Writes into `out` (a copy of the reference row) the tokens that change when base `pos`
 * of `bases` becomes `alt`; `bases` is restored before returning.
 */
export function writeMutantRow(
  bases: Uint8Array,
  pos: number,
  alt: number,
  layout: RowLayout,
  out: Int32Array,
): void {
  const ref = bases[pos]!;
  bases[pos] = alt;
  const { from, to } = changedTokens(pos, bases.length, layout);
  for (let t = from; t <= to; t++) out[layout.first + t] = kmerId(bases, t, layout.k);
  bases[pos] = ref;
}

/** The tokens (from 0 after [CLS], inclusive) that contain base `pos` of `count` bases. */
export function changedTokens(pos: number, count: number, layout: RowLayout): { from: number; to: number } {
  const tokens = count - layout.k + 1;
  return { from: Math.max(0, pos - layout.k + 1), to: Math.min(tokens - 1, pos) };
}

/** A row of `bases` in `layout` ([CLS] when the layout has it, [PAD] after the tokens). */
export function basesRow(bases: Uint8Array, layout: RowLayout): Int32Array {
  const row = new Int32Array(layout.length);
  if (layout.first) row[0] = CLS;
  const tokens = Math.min(bases.length - layout.k + 1, layout.length - layout.first);
  for (let t = 0; t < tokens; t++) row[layout.first + t] = kmerId(bases, t, layout.k);
  return row;
}

/**
 * Base attributions from token attributions (`token[t]` for the token at row index
 * first + t): each k-mer's attribution is split evenly over its k bases, and a base's
 * attribution is the sum of the shares of the k-mers that contain it. So the bases'
 * attributions add up to the tokens' (integrated gradients stay complete on bases).
 */
export function baseAttributions(tokenScores: Float32Array, count: number, layout: RowLayout): Float32Array {
  const { k, first } = layout;
  const out = new Float32Array(count);
  const tokens = Math.max(0, count - k + 1);
  for (let t = 0; t < tokens; t++) {
    const share = tokenScores[first + t]! / k;
    for (let j = 0; j < k; j++) out[t + j]! += share;
  }
  return out;
}

/**
 * Where on the genome (0-based) a row's first base lies, when its record has a locus: the
 * record's start, plus where the row's `bases` bases lie in the record's sequence.
 */
export function firstBaseOnGenome(
  item: { chrom?: string; start?: number; end?: number },
  spec: TokenizerSpec,
  bases: number,
  layout: RowLayout,
): { chrom: string; start: number } | undefined {
  if (item.chrom === undefined || item.start === undefined || item.end === undefined) return undefined;
  return {
    chrom: item.chrom,
    start: item.start + basesOffset(spec, item.end - item.start, bases - layout.k + 1),
  };
}

/** Where the row's first base lies in its record's sequence of `recordLength` bases. */
export function basesOffset(spec: TokenizerSpec, recordLength: number, tokens: number): number {
  const all = Math.max(0, recordLength - spec.k + 1);
  if (spec.truncate === 'tail') return all - tokens;
  if (spec.truncate === 'centre') return (all - tokens) >> 1;
  return 0;
}
