/**
 * The kmer plugin's pool worker: one task = one batch; results move back, never copied.
 * Counting over all input is the exception: it runs one single-thread pool per partition,
 * so that the worker's tables stay here between its tasks.
 */

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
import { KmerTables } from './kmer-table.js';
import { type JoinedSequences, type PackedSequences, packJoined, parsedFasta } from './packed-sequences.js';
import { type SortedKmers, sortedKmers } from './sorted-kmers.js';

export type KmerTask =
  | { op: 'encode'; joined: JoinedSequences; spec: TokenizerSpec; batchRows: number[] }
  | { op: 'encode-fasta'; fasta: FastaText; spec: TokenizerSpec; batchRows: number[] }
  | { op: 'spectra'; packed: PackedSequences; k: number; canonical: boolean; normalize: boolean }
  | (PartitionOp & Partition);

/** The steps of a count over all input: count chunks, flush what is staged, sort buckets out. */
export type PartitionOp =
  | { op: 'count'; packed: PackedSequences; rowStarts: Uint32Array; canonical: boolean }
  | { op: 'count-fasta'; fasta: FastaText; canonical: boolean }
  | { op: 'finish' }
  | { op: 'sorted'; from: number; to: number; minCount: number };

/**
 * Which partition of a count over all input a task is for, and the blocks of k-mers that
 * other partitions posted to it since its last task (see KmerTables).
 */
export interface Partition {
  k: number;
  partition: number;
  partitions: number;
  inbox: Int32Array[];
}

export type SpectraResult = { spectra: Uint32Array | Float32Array } | { invalid: InvalidBase };
/** Blocks of k-mers posted to each partition (see KmerTables). */
export type Posted = { outboxes: Int32Array[] };
export type CountResult = Posted | { invalid: InvalidBase } | { malformed: string };
export type KmerResult = EncodeResult | FastaEncodeResult | SpectraResult | CountResult | SortedKmers;

/** This worker's partition of a count over all input, from its first task to its last 'sorted' one. */
let counts: KmerTables | undefined;

/** The partition's tables, its inbox counted in. */
function partitionTables({ k, partition, partitions, inbox }: Partition): KmerTables {
  if (counts?.k !== k || counts.partition !== partition || counts.partitions !== partitions) {
    counts = new KmerTables(k, partition, partitions);
  }
  for (const blocks of inbox) counts.insertBlocks(blocks);
  return counts;
}

function posted(tables: KmerTables): Posted {
  const outboxes = tables.takeOutboxes();
  // Empty boxes are views of one shared empty array: copied, not moved.
  const moved = outboxes.filter((box) => box.length).map((box) => box.buffer as ArrayBuffer);
  return movable({ outboxes }, moved);
}

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
      return countChunk(task, task.packed, task.canonical, task.rowStarts);
    case 'count-fasta': {
      const parsed = parsedFasta(task.fasta);
      return 'malformed' in parsed ? parsed : countChunk(task, parsed.packed, task.canonical);
    }
    case 'finish': {
      const tables = partitionTables(task);
      tables.flushAll();
      return posted(tables);
    }
    case 'sorted': {
      const tables = partitionTables(task);
      const result = sortedKmers(tables, task.from, task.to, task.minCount);
      if (task.to >= tables.buckets) counts = undefined;
      return movable(result, [
        result.letters.buffer,
        result.counts.buffer,
        result.sizes.buffer,
      ] as ArrayBuffer[]);
    }
  }
}

/** Counts a chunk into the partition's tables; the k-mers of other partitions go back posted. */
function countChunk(
  partition: Partition,
  packed: PackedSequences,
  canonical: boolean,
  rowStarts?: Uint32Array,
): CountResult {
  return withInvalidBase(() => {
    const tables = partitionTables(partition);
    countKmers(tables, packed, canonical, rowStarts);
    return posted(tables);
  });
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
