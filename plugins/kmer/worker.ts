/**
 * The kmer plugin's pool worker: one task = one batch; results move back, never copied.
 * Counting over all input is the exception: a count runs one single-thread pool per
 * partition, so that partition's tables stay here, in this worker, between its tasks.
 */

import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import { movable } from '../../src/plugin-api/movable.js';
import { InvalidBaseError } from './base-codes.js';
import { countKmers, spectra } from './count-kernel.js';
import { type EncodeResult, encodeBatches, type InvalidBase } from './encode-kernel.js';
import { KmerTables } from './kmer-table.js';
import { type JoinedSequences, type PackedSequences, packJoined } from './packed-sequences.js';
import { type SortedKmers, sortedKmers } from './sorted-kmers.js';

export type KmerTask =
  | { op: 'encode'; joined: JoinedSequences; spec: TokenizerSpec; batchRows: number[]; ids: Int32Array[] }
  | { op: 'spectra'; packed: PackedSequences; k: number; canonical: boolean; normalize: boolean }
  | {
      op: 'count';
      packed: PackedSequences;
      k: number;
      canonical: boolean;
      partition: number;
      partitions: number;
    }
  | { op: 'sorted'; from: number; to: number; minCount: number };

export type SpectraResult = { spectra: Uint32Array | Float32Array } | { invalid: InvalidBase };
export type CountResult = { counted: true } | { invalid: InvalidBase };
export type KmerResult = EncodeResult | SpectraResult | CountResult | SortedKmers;

/** This worker's partition of a count over all input, from its first 'count' task to its last 'sorted' one. */
let tables: KmerTables | undefined;

export default function runKmerTask(task: KmerTask): KmerResult {
  switch (task.op) {
    case 'encode': {
      const result = encodeBatches(packJoined(task.joined), task.spec, task.batchRows, task.ids);
      return 'ids' in result
        ? movable(
            result,
            result.ids.map((ids) => ids.buffer as ArrayBuffer),
          )
        : result;
    }
    case 'spectra':
      return withInvalidBase(() => {
        const result = spectra(task.packed, task.k, task.canonical, task.normalize);
        return movable({ spectra: result }, [result.buffer as ArrayBuffer]);
      });
    case 'count':
      return withInvalidBase(() => {
        tables ??= new KmerTables(task.k, task.partition, task.partitions);
        countKmers(tables, task.packed, task.canonical);
        return { counted: true } as const;
      });
    case 'sorted': {
      if (!tables) throw new Error('kmer.count: no counts in this worker');
      const result = sortedKmers(tables, task.from, task.to, task.minCount);
      if (task.to >= tables.buckets) tables = undefined;
      return movable(result, [
        result.letters.buffer,
        result.counts.buffer,
        result.sizes.buffer,
      ] as ArrayBuffer[]);
    }
  }
}

function withInvalidBase<T>(work: () => T): T | { invalid: InvalidBase } {
  try {
    return work();
  } catch (err) {
    if (err instanceof InvalidBaseError) return { invalid: { row: err.row, message: err.message } };
    throw err;
  }
}
