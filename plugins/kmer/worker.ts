/**
 * The kmer plugin's pool worker: one task = one batch; results move back, never copied.
 * Counting over all input is the exception: it runs one single-thread pool per partition,
 * so that the worker's tables stay here between its tasks.
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
  | { op: 'count'; k: number; packed: PackedSequences; canonical: boolean }
  | { op: 'hand-off'; k: number; partition: number; partitions: number }
  | {
      op: 'sorted';
      k: number;
      from: number;
      to: number;
      minCount: number;
      partition: number;
      partitions: number;
      /** Tables handed off by other partitions, added to this one's first: `tables[i]` is of `buckets[i]`. */
      merge: { buckets: number[]; tables: Int32Array[] };
    };

export type SpectraResult = { spectra: Uint32Array | Float32Array } | { invalid: InvalidBase };
export type CountResult = { counted: true } | { invalid: InvalidBase };
export type HandOffResult = { tables: Int32Array[] };
export type KmerResult = EncodeResult | SpectraResult | CountResult | HandOffResult | SortedKmers;

/** This worker's counts over all input, from its first 'count' task to its last 'sorted' one. */
let counts: KmerTables | undefined;

function tables(k: number): KmerTables {
  if (counts?.k !== k) counts = new KmerTables(k);
  return counts;
}

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
        countKmers(tables(task.k), task.packed, task.canonical);
        return { counted: true } as const;
      });
    case 'hand-off': {
      const given = tables(task.k).handOff(task.partition, task.partitions);
      return movable(
        { tables: given },
        given.map((t) => t.buffer as ArrayBuffer),
      );
    }
    case 'sorted': {
      const own = tables(task.k);
      const { buckets, tables: given } = task.merge;
      for (let i = 0; i < buckets.length; i++) own.merge(buckets[i]!, given[i]!);
      const result = sortedKmers(own, task.from, task.to, task.minCount, task.partition, task.partitions);
      if (task.to >= own.buckets) counts = undefined;
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
