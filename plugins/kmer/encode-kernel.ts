// Straight from its module, as workers load this: the API's index would load all of it.
import type { FastaText } from '../../src/plugin-api/fasta-text.js';
import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import { InvalidBaseError } from './base-codes.js';
import { type PackedSequences, parsedFasta } from './packed-sequences.js';
import { tokenizeRows } from './tokenizer.js';

/** A bad byte found while encoding, reported by row so the main thread can name the sequence. */
export interface InvalidBase {
  row: number;
  message: string;
}

/** One Int32Array per batch (row-major `rows x spec.maxTokens`), or the first bad byte. */
export type EncodeResult = { ids: Int32Array[] } | { invalid: InvalidBase };

/**
 * Token ids of every packed sequence, cut into batches of `batchRows[i]` rows each, every
 * batch its own buffer (so each can later move to another thread on its own).
 */
export function encodeBatches(
  packed: PackedSequences,
  spec: TokenizerSpec,
  batchRows: readonly number[],
): EncodeResult {
  const ids = idBuffers(spec, batchRows);
  try {
    fillRows(packed, spec, ids);
  } catch (err) {
    if (err instanceof InvalidBaseError) return { invalid: { row: err.row, message: err.message } };
    throw err;
  }
  return { ids };
}

/**
 * Token ids of a block of FASTA text, parsed here: with where each row's header starts in
 * the text (for the row's id), or the `file:line` problem of a malformed record.
 */
export type FastaEncodeResult = (EncodeResult & { headers: Int32Array }) | { malformed: string };

export function encodeFasta(
  fasta: FastaText,
  spec: TokenizerSpec,
  batchRows: readonly number[],
): FastaEncodeResult {
  const parsed = parsedFasta(fasta);
  if ('malformed' in parsed) return parsed;
  return { ...encodeBatches(parsed.packed, spec, batchRows), headers: parsed.headers };
}

/**
 * The output buffers of a task, not zeroed: every cell is written (tokens, then [PAD]s), and
 * zeroing hundreds of megabytes first was a large share of the work. Never from Buffer's
 * shared pool, so each buffer can move to another thread alone.
 */
function idBuffers(spec: TokenizerSpec, batchRows: readonly number[]): Int32Array[] {
  return batchRows.map((rows) => {
    const bytes = Buffer.allocUnsafeSlow(rows * spec.maxTokens * 4);
    return new Int32Array(bytes.buffer, bytes.byteOffset, rows * spec.maxTokens);
  });
}

// Kept out of the try block above, which would slow the hot loop.
function fillRows(packed: PackedSequences, spec: TokenizerSpec, batches: Int32Array[]): void {
  let first = 0;
  for (const ids of batches) {
    const end = first + ids.length / spec.maxTokens;
    tokenizeRows(packed, first, end, spec, ids, 0);
    first = end;
  }
}
