import type { StageContext } from '../../src/plugin-api/index.js';
import {
  batch,
  type FastaText,
  fastaHeaderFields,
  mapInOrder,
  type PoolTask,
  type TokenBatch,
  type TokenizerSpec,
  workerFile,
} from '../../src/plugin-api/index.js';
import type { EncodeParams } from './encode.js';
import { type EncodeResult, encodeBatches, encodeFasta, type FastaEncodeResult } from './encode-kernel.js';
import { packJoined } from './packed-sequences.js';
import {
  describeBatch,
  type FastaGroup,
  INLINE_BASES,
  invalidSequenceError,
  type SequenceGroup,
  type SequenceItem,
  sequenceGroups,
} from './sequence-batches.js';
import { makeSpec } from './tokenizer.js';
import type { KmerResult, KmerTask } from './worker.js';

/** A worker task encoding one group: its sequences go across (moved), or its FASTA text (copied). */
export function encodeTask(group: SequenceGroup | FastaGroup, spec: TokenizerSpec): PoolTask<KmerTask> {
  const { batchRows } = group;
  if ('fasta' in group) return { task: { op: 'encode-fasta', fasta: group.fasta, spec, batchRows } };
  return {
    task: { op: 'encode', joined: group.joined, spec, batchRows },
    transfer: [group.joined.offsets.buffer as ArrayBuffer],
  };
}

const STAGE = 'kmer.encode';

export async function* run(ctx: StageContext<EncodeParams>) {
  const p = ctx.params;
  const spec = makeSpec({
    kind: p.kind,
    k: p.k,
    stride: p.stride,
    maxTokens: p['max-tokens'],
    truncate: p.truncate,
    ambiguous: p.ambiguous,
    cls: p.cls,
  });
  const groups = sequenceGroups(ctx.inputs.in!, p['batch-size'], spec.maxTokens, STAGE);
  // The main thread only joins the sequences (one native call, in sequenceGroups), or
  // passes FASTA text on unparsed; parsing, packing and encoding happen in the worker.
  const mapped = mapInOrder<SequenceGroup | FastaGroup, KmerTask, KmerResult>(groups, {
    worker: workerFile(import.meta.url, './worker.js'),
    threads: p.threads ?? ctx.threads,
    signal: ctx.signal,
    maxInFlight: 4 * (p.threads ?? ctx.threads),
    isTiny: (group) => ('fasta' in group ? group.fasta.bytes.length : group.bases) < INLINE_BASES,
    describe: (group) =>
      'fasta' in group
        ? `${group.fasta.file} from line ${group.fasta.firstLine}`
        : describeBatch(group.items),
    inline: (group) =>
      'fasta' in group
        ? encodeFasta(group.fasta, spec, group.batchRows)
        : encodeBatches(packJoined(group.joined), spec, group.batchRows),
    toTask: (group) => encodeTask(group, spec),
  });
  for await (const { input: group, result } of mapped) {
    yield batch(
      'fasta' in group
        ? fastaTokenBatches(group, result as FastaEncodeResult, spec)
        : tokenBatches(group, result as EncodeResult, spec),
    );
  }
}

/** The token batches of a group of records; the whole task's at once: one hand-over to the engine. */
function tokenBatches(group: SequenceGroup, encoded: EncodeResult, spec: TokenizerSpec): TokenBatch[] {
  if ('invalid' in encoded) throw invalidSequenceError(STAGE, group.items, encoded.invalid);
  return eachBatch(group.batchRows, (b, from, rows) =>
    tokenBatch(group.items.slice(from, from + rows), encoded.ids[b]!, spec),
  );
}

/** `make(b, from, rows)` for each batch `b` of `batchRows`, `from` being its first row. */
function eachBatch(
  batchRows: readonly number[],
  make: (b: number, from: number, rows: number) => TokenBatch,
) {
  let from = 0;
  return batchRows.map((rows, b) => {
    const batch = make(b, from, rows);
    from += rows;
    return batch;
  });
}

/**
 * The token batches of a block of FASTA text. Their items (ids, labels) are read from the
 * text when first asked for: many consumers never ask.
 */
function fastaTokenBatches(group: FastaGroup, encoded: FastaEncodeResult, spec: TokenizerSpec): TokenBatch[] {
  if ('malformed' in encoded) throw new Error(`${STAGE}: ${encoded.malformed}`);
  const items = (from: number, to: number) => fastaItems(group.fasta, encoded.headers.subarray(from, to));
  if ('invalid' in encoded)
    throw invalidSequenceError(STAGE, items(0, encoded.headers.length), encoded.invalid);
  return eachBatch(group.batchRows, (b, from, rows) => {
    let rowItems: SequenceItem[] | undefined;
    return {
      ids: encoded.ids[b]!,
      rows,
      length: spec.maxTokens,
      spec,
      get items() {
        rowItems ??= items(from, from + rows);
        return rowItems;
      },
    };
  });
}

function fastaItems(fasta: FastaText, headers: Int32Array): SequenceItem[] {
  return Array.from(headers, (headerStart) => fastaHeaderFields(fasta, headerStart));
}

function tokenBatch(items: SequenceItem[], ids: Int32Array, spec: TokenizerSpec): TokenBatch {
  // An invalid record still flows, as a row of [PAD] only.
  for (let row = 0; row < items.length; row++) {
    if (items[row]!.invalid !== undefined) ids.fill(0, row * spec.maxTokens, (row + 1) * spec.maxTokens);
  }
  return { ids, rows: items.length, length: spec.maxTokens, spec, items };
}
