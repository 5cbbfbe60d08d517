/**
 * DNA tokenizers: overlapping k-mers (DNABERT), non-overlapping k-mers (Nucleotide
 * Transformer) and single bases. Pure functions over bytes: the same code runs in the main
 * thread and in pool workers.
 *
 * Ids: the specials first ([PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4), then every k-mer in
 * 2-bit code order (A=0 C=1 G=2 T=3, first base most significant, which is lexicographic
 * order), then for non-overlapping k > 1 the single bases A C G T, and for non-overlapping
 * the `N` token. So a k-mer's id is 5 + its 2-bit code, whatever the kind.
 */
import { createHash } from 'node:crypto';
import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import { AMBIGUOUS, BASE_CODE, BASES, InvalidBaseError, isN, MAX_TOKENIZER_K } from './base-codes.js';
import { overlappingRows } from './overlapping-kernel.js';
import type { PackedSequences } from './packed-sequences.js';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const PAD = 0;
export const UNK = 1;
export const CLS = 2;
export const SEP = 3;
export const MASK = 4;
/** Id of the k-mer whose 2-bit code is 0 (AAA...A). */
export const FIRST_KMER_ID = SPECIAL_TOKENS.length;

export interface TokenizerParams {
  kind?: TokenizerSpec['kind'];
  /** Default 6 for k-mer kinds; `base` is always 1. */
  k?: number;
  /** Default 1 for overlapping, k for non-overlapping. */
  stride?: number;
  /** The row length, [CLS] included. Default 512. */
  maxTokens?: number;
  /** Which part of a too long sequence is kept. Default `head`. */
  truncate?: TokenizerSpec['truncate'];
  ambiguous?: TokenizerSpec['ambiguous'];
  cls?: boolean;
}

/** A complete, validated spec; throws with a readable message on impossible settings. */
export function makeSpec(params: TokenizerParams = {}): TokenizerSpec {
  const kind = params.kind ?? 'overlapping';
  if (kind === 'base' && params.k !== undefined && params.k !== 1) {
    throw new Error(`kind "base" tokenizes single bases: k must be 1 (or left out), got ${params.k}`);
  }
  const k = kind === 'base' ? 1 : (params.k ?? 6);
  if (!Number.isInteger(k) || k < 1 || k > MAX_TOKENIZER_K) {
    throw new Error(`k must be an integer from 1 to ${MAX_TOKENIZER_K} for tokenizing, got ${k}`);
  }
  const stride = params.stride ?? (kind === 'non-overlapping' ? k : 1);
  if (kind === 'non-overlapping' && stride !== k) {
    throw new Error(`kind "non-overlapping" steps by k: stride must be ${k} (or left out), got ${stride}`);
  }
  if (!Number.isInteger(stride) || stride < 1 || stride > k) {
    throw new Error(`stride must be an integer from 1 to k (${k}), got ${stride}`);
  }
  const addCls = params.cls ?? false;
  const maxTokens = params.maxTokens ?? 512;
  if (!Number.isInteger(maxTokens) || maxTokens < (addCls ? 2 : 1)) {
    throw new Error(`max-tokens must be an integer of at least ${addCls ? 2 : 1}, got ${maxTokens}`);
  }
  const extra = kind === 'non-overlapping' ? (k > 1 ? 5 : 1) : 0;
  return {
    kind,
    k,
    stride,
    maxTokens,
    truncate: params.truncate ?? 'head',
    ambiguous: params.ambiguous ?? 'unk',
    addCls,
    vocabSize: FIRST_KMER_ID + 4 ** k + extra,
  };
}

/** The token strings by id; deterministic for a spec. */
export function vocabulary(spec: TokenizerSpec): string[] {
  const tokens: string[] = [...SPECIAL_TOKENS];
  const count = 4 ** spec.k;
  for (let code = 0; code < count; code++) tokens.push(codeToKmer(code, spec.k));
  if (spec.kind === 'non-overlapping') {
    if (spec.k > 1) tokens.push(...BASES);
    tokens.push('N');
  }
  return tokens;
}

/** A stable content hash of the spec, for cache keys and bundle checks. */
export function specHash(spec: TokenizerSpec): string {
  const fields = [
    spec.kind,
    spec.k,
    spec.stride,
    spec.maxTokens,
    spec.truncate,
    spec.ambiguous,
    spec.addCls,
    spec.vocabSize,
  ];
  return createHash('sha256')
    .update(`genoflow-tokenizer-1\t${JSON.stringify(fields)}`)
    .digest('hex');
}

/** The k letters of a 2-bit code (k <= 15 fits a number exactly). */
export function codeToKmer(code: number, k: number): string {
  let s = '';
  for (let shift = 2 * (k - 1); shift >= 0; shift -= 2) s += BASES[Math.floor(code / 2 ** shift) % 4];
  return s;
}

/** Tokenizes one sequence into a row of `spec.maxTokens` ids ([CLS], tokens, [PAD]s). */
export function tokenize(seq: string | Uint8Array, spec: TokenizerSpec): Int32Array {
  const bytes = typeof seq === 'string' ? Buffer.from(seq, 'latin1') : seq;
  const row = new Int32Array(spec.maxTokens);
  tokenizeRows({ bytes, offsets: Uint32Array.of(0, bytes.length) }, 0, 1, spec, row, 0);
  return row;
}

/**
 * Writes rows [first, end) of packed sequences, `spec.maxTokens` ids each, at
 * `out[outOffset...]`. The hot case (overlapping, stride 1, head) runs in WebAssembly; rows
 * with other letters, and other specs, in the loops below. An InvalidBaseError names the
 * row by its index in `offsets`.
 */
export function tokenizeRows(
  packed: PackedSequences,
  first: number,
  end: number,
  spec: TokenizerSpec,
  out: Int32Array,
  outOffset: number,
): void {
  const { bytes, offsets } = packed;
  const general = (r: number, into: Int32Array, at: number) =>
    tokenizeInto(bytes, offsets[r]!, offsets[r + 1]!, r, spec, into, at);
  if (spec.kind === 'overlapping' && spec.stride === 1 && spec.truncate === 'head') {
    overlappingRows(packed, first, end, spec, out, outOffset, general);
  } else {
    for (let r = first; r < end; r++) general(r, out, outOffset + (r - first) * spec.maxTokens);
  }
}

let scratch = new Int32Array(1 << 16);

/**
 * Writes the row of `bytes[start, end)` at `out[offset, offset + maxTokens)`. `row` is the
 * sequence's index in its batch, reported by an InvalidBaseError.
 */
function tokenizeInto(
  bytes: Uint8Array,
  start: number,
  end: number,
  row: number,
  spec: TokenizerSpec,
  out: Int32Array,
  offset: number,
): void {
  let at = offset;
  if (spec.addCls) out[at++] = CLS;
  const room = offset + spec.maxTokens - at;
  let n: number;
  if (spec.truncate === 'head') {
    // The common case writes straight into the row and stops once it is full.
    n = tokens(bytes, start, end, row, spec, out, at, room);
  } else {
    if (scratch.length < end - start) scratch = new Int32Array(end - start);
    const all = tokens(bytes, start, end, row, spec, scratch, 0, end - start);
    n = Math.min(all, room);
    const from = spec.truncate === 'tail' ? all - n : (all - n) >> 1;
    for (let i = 0; i < n; i++) out[at + i] = scratch[from + i]!;
  }
  out.fill(PAD, at + n, offset + spec.maxTokens);
}

/** Writes up to `limit` token ids at `out[at...]`; returns how many. */
function tokens(
  bytes: Uint8Array,
  start: number,
  end: number,
  row: number,
  spec: TokenizerSpec,
  out: Int32Array,
  at: number,
  limit: number,
): number {
  if (spec.kind === 'non-overlapping') return nonOverlapping(bytes, start, end, row, spec, out, at, limit);
  const skip = spec.ambiguous === 'skip';
  return spec.stride === 1
    ? overlappingStride1(bytes, start, end, row, spec.k, skip, out, at, limit)
    : overlapping(bytes, start, end, row, spec.k, spec.stride, skip, out, at, limit);
}

/** Overlapping k-mers by one base: a token per base once k bases are in the window. */
function overlappingStride1(
  bytes: Uint8Array,
  start: number,
  end: number,
  row: number,
  k: number,
  skip: boolean,
  out: Int32Array,
  at: number,
  limit: number,
): number {
  if (limit <= 0) return 0;
  const mask = (1 << (2 * k)) - 1;
  let code = 0;
  let run = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = BASE_CODE[bytes[i]!]!;
    if (c < 4) {
      code = ((code << 2) | c) & mask;
      run++;
    } else if (c === AMBIGUOUS) {
      run = 0;
    } else {
      throw new InvalidBaseError(row, i - start, bytes[i]!);
    }
    if (run >= k) out[at + n] = FIRST_KMER_ID + code;
    // A window ends here once k bases are read; with an ambiguous base in it, it is [UNK].
    else if (skip || i - start < k - 1) continue;
    else out[at + n] = UNK;
    if (++n === limit) break;
  }
  return n;
}

function overlapping(
  bytes: Uint8Array,
  start: number,
  end: number,
  row: number,
  k: number,
  stride: number,
  skip: boolean,
  out: Int32Array,
  at: number,
  limit: number,
): number {
  const mask = (1 << (2 * k)) - 1;
  let code = 0;
  let run = 0;
  let n = 0;
  let untilEmit = k;
  for (let i = start; i < end && n < limit; i++) {
    const c = BASE_CODE[bytes[i]!]!;
    if (c < 4) {
      code = ((code << 2) | c) & mask;
      run++;
    } else if (c === AMBIGUOUS) {
      run = 0;
    } else {
      throw new InvalidBaseError(row, i - start, bytes[i]!);
    }
    if (--untilEmit === 0) {
      untilEmit = stride;
      if (run >= k) out[at + n++] = FIRST_KMER_ID + code;
      else if (!skip) out[at + n++] = UNK;
    }
  }
  return n;
}

function nonOverlapping(
  bytes: Uint8Array,
  start: number,
  end: number,
  row: number,
  spec: TokenizerSpec,
  out: Int32Array,
  at: number,
  limit: number,
): number {
  const { k } = spec;
  const skip = spec.ambiguous === 'skip';
  const singleId = k === 1 ? FIRST_KMER_ID : FIRST_KMER_ID + 4 ** k;
  const nId = singleId + (k === 1 ? 4 ** k : 4);
  let code = 0;
  let len = 0;
  let n = 0;
  const flushSingles = () => {
    for (let shift = 2 * (len - 1); shift >= 0 && n < limit; shift -= 2)
      out[at + n++] = singleId + ((code >>> shift) & 3);
    code = 0;
    len = 0;
  };
  for (let i = start; i < end && n < limit; i++) {
    const byte = bytes[i]!;
    const c = BASE_CODE[byte]!;
    if (c < 4) {
      code = (code << 2) | c;
      if (++len === k) {
        out[at + n++] = FIRST_KMER_ID + code;
        code = 0;
        len = 0;
      }
    } else if (c === AMBIGUOUS) {
      flushSingles();
      if (n >= limit) break;
      if (isN(byte)) out[at + n++] = nId;
      else if (!skip) out[at + n++] = UNK;
    } else {
      throw new InvalidBaseError(row, i - start, byte);
    }
  }
  flushSingles();
  return n;
}

/**
 * The sequence a row of ids spells. Overlapping k-mers are stitched (each k-mer after the
 * first adds its last `stride` bases); [UNK] reads as N; [PAD] [CLS] [SEP] are dropped.
 */
export function decode(ids: Int32Array, spec: TokenizerSpec): string {
  let seq = '';
  let first = true;
  for (const id of ids) {
    if (id === PAD || id === CLS || id === SEP) continue;
    const text =
      id === UNK || id === MASK
        ? 'N'.repeat(spec.kind === 'non-overlapping' ? 1 : spec.k)
        : tokenText(id, spec);
    seq += spec.kind === 'overlapping' && !first ? text.slice(text.length - spec.stride) : text;
    first = false;
  }
  return seq;
}

/** The string of one token id (`vocabulary(spec)[id]` without building the vocabulary). */
export function tokenText(id: number, spec: TokenizerSpec): string {
  const kmers = 4 ** spec.k;
  if (id >= 0 && id < FIRST_KMER_ID) return SPECIAL_TOKENS[id]!;
  if (id >= FIRST_KMER_ID && id < FIRST_KMER_ID + kmers) return codeToKmer(id - FIRST_KMER_ID, spec.k);
  if (id >= FIRST_KMER_ID + kmers && id < spec.vocabSize) {
    const extra = id - FIRST_KMER_ID - kmers;
    return spec.k > 1 && extra < 4 ? BASES[extra]! : 'N';
  }
  throw new Error(`token id ${id} is outside the vocabulary (0..${spec.vocabSize - 1})`);
}
