import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import { InvalidBaseError } from './base-codes.js';
import type { PackedSequences } from './packed-sequences.js';
import { tokenizeInto } from './tokenizer.js';

/** A bad byte found while encoding, reported by row so the main thread can name the sequence. */
export interface InvalidBase {
  row: number;
  message: string;
}

/** One Int32Array per batch (row-major `rows x spec.maxTokens`), or the first bad byte. */
export type EncodeResult = { ids: Int32Array[] } | { invalid: InvalidBase };

/**
 * Token ids of every packed sequence, cut into batches of `batchRows[i]` rows each, every
 * batch its own buffer (so each can later move to another thread on its own): written into
 * `ids` (from `idBuffers`) when given.
 */
export function encodeBatches(
  packed: PackedSequences,
  spec: TokenizerSpec,
  batchRows: readonly number[],
  ids: Int32Array[] = idBuffers(spec, batchRows),
): EncodeResult {
  try {
    fillRows(packed, spec, ids);
  } catch (err) {
    if (err instanceof InvalidBaseError) return { invalid: { row: err.row, message: err.message } };
    throw err;
  }
  return { ids };
}

/**
 * The output buffers of a task. The stage allocates them on the main thread, where the
 * consumer frees them, so the allocator hands back recycled memory; allocated in a worker,
 * where none is ever freed, every buffer is fresh pages to fault in (measured: ~20% more
 * worker CPU time).
 */
export function idBuffers(spec: TokenizerSpec, batchRows: readonly number[]): Int32Array[] {
  return batchRows.map((rows) => new Int32Array(rows * spec.maxTokens));
}

// Kept out of the try block above, which would slow the hot loop.
function fillRows(packed: PackedSequences, spec: TokenizerSpec, batches: Int32Array[]): void {
  const { bytes, offsets } = packed;
  let r = 0;
  for (const ids of batches) {
    for (let offset = 0; offset < ids.length; offset += spec.maxTokens, r++) {
      tokenizeInto(bytes, offsets[r]!, offsets[r + 1]!, r, spec, ids, offset);
    }
  }
}
