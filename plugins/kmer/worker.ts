/** The kmer plugin's pool worker: one task = one batch; results move back, never copied. */

import type { FastaText, TokenizerSpec } from '../../src/plugin-api/index.js';
import { movable } from '../../src/plugin-api/movable.js';
import { InvalidBaseError } from './base-codes.js';
import { countKmers, spectra } from './count-kernel.js';
import {
  type EncodeResult,
  encodeBatches,
  encodeFasta,
  type FastaEncodeResult,
  type InvalidBase,
} from './encode-kernel.js';
import { type KmerTable, type SortedCounts, sortedCounts } from './kmer-table.js';
import { type JoinedSequences, type PackedSequences, packJoined } from './packed-sequences.js';

export type KmerTask =
  | { op: 'encode'; joined: JoinedSequences; spec: TokenizerSpec; batchRows: number[] }
  | { op: 'encode-fasta'; fasta: FastaText; spec: TokenizerSpec; batchRows: number[] }
  | { op: 'spectra'; packed: PackedSequences; k: number; canonical: boolean; normalize: boolean }
  | {
      op: 'count';
      packed: PackedSequences;
      k: number;
      canonical: boolean;
      partition: number;
      partitions: number;
      table: KmerTable;
    }
  | { op: 'sort'; table: KmerTable; minCount: number; bits: number };

export type SpectraResult = { spectra: Uint32Array | Float32Array } | { invalid: InvalidBase };
export type CountResult = { table: KmerTable } | { invalid: InvalidBase };
export type KmerResult = EncodeResult | FastaEncodeResult | SpectraResult | CountResult | SortedCounts;

export default function runKmerTask(task: KmerTask): KmerResult {
  switch (task.op) {
    case 'encode':
      return movableIds(encodeBatches(packJoined(task.joined), task.spec, task.batchRows));
    case 'encode-fasta':
      return movableIds(encodeFasta(task.fasta, task.spec, task.batchRows));
    case 'spectra':
      return withInvalidBase(() => {
        const result = spectra(task.packed, task.k, task.canonical, task.normalize);
        return movable({ spectra: result }, [result.buffer as ArrayBuffer]);
      });
    case 'count':
      // The table lives in SharedArrayBuffers: only its (possibly grown) handle goes back.
      return withInvalidBase(() => ({
        table: countKmers(task.table, task.packed, task.k, task.canonical, task.partition, task.partitions),
      }));
    case 'sort': {
      const result = sortedCounts(task.table, task.minCount, task.bits);
      return movable(result, [result.hi.buffer, result.lo.buffer, result.counts.buffer] as ArrayBuffer[]);
    }
  }
}

function movableIds<T extends object>(result: T): T {
  return 'ids' in result
    ? movable(
        result,
        (result.ids as Int32Array[]).map((ids) => ids.buffer as ArrayBuffer),
      )
    : result;
}

function withInvalidBase<T>(work: () => T): T | { invalid: InvalidBase } {
  try {
    return work();
  } catch (err) {
    if (err instanceof InvalidBaseError) return { invalid: { row: err.row, message: err.message } };
    throw err;
  }
}
