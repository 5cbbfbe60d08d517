import { batchesOf, type FastaText, fastaHeaderFields, scanFastaText } from '../../src/plugin-api/index.js';
import type { PackedSequences } from './packed-sequences.js';
import { checkedRecord } from './sequence-batches.js';

/**
 * Input for one counting task: sequences packed as they arrived, long ones cut into pieces;
 * per row, the id of its record and where the piece starts in it (to name a bad base).
 */
export interface SequenceChunk {
  packed: PackedSequences;
  ids: string[];
  starts: Uint32Array;
}

/** A block of FASTA text from `fasta.read`: one counting task, parsed in its worker. */
export interface FastaChunk {
  fasta: FastaText;
}

/**
 * The input of a stage as counting tasks: blocks of FASTA text as they are, other records
 * as chunks of about `chunkBases` bases, each sequence copied into the chunk's bytes as it arrives: the record strings die young, where holding the
 * records until their chunk is counted would move them to the old generation of the heap.
 * A sequence longer than `chunkBases` is cut into pieces that overlap by `overlap` bases
 * (k - 1: every k-mer lies in exactly one piece), so a chromosome is many tasks, not one
 * task with memory to match. Records marked invalid count as empty sequences.
 */
export async function* sequenceChunks(
  input: AsyncIterable<unknown>,
  chunkBases: number,
  overlap: number,
  stage: string,
): AsyncGenerator<SequenceChunk | FastaChunk> {
  // A chunk ends once it reaches chunkBases, so it holds less than twice that.
  const capacity = 2 * chunkBases;
  let bytes = Buffer.allocUnsafe(capacity);
  let offsets = [0];
  let ids: string[] = [];
  let starts: number[] = [];
  const chunk = (): SequenceChunk => {
    const done = {
      packed: { bytes: bytes.subarray(0, offsets[offsets.length - 1]), offsets: Uint32Array.from(offsets) },
      ids,
      starts: Uint32Array.from(starts),
    };
    bytes = Buffer.allocUnsafe(capacity);
    offsets = [0];
    ids = [];
    starts = [];
    return done;
  };
  let index = 0;
  for await (const batch of batchesOf(input)) {
    if (batch.fasta) {
      if (ids.length) yield chunk();
      index += batch.count;
      yield { fasta: batch.fasta };
      continue;
    }
    for (const arrived of batch.records) {
      const record = checkedRecord(arrived, ++index, stage);
      const seq = record.invalid === undefined ? record.seq! : '';
      let start = 0;
      for (;;) {
        const end = Math.min(seq.length, start + chunkBases);
        const piece = start === 0 && end === seq.length ? seq : seq.slice(start, end);
        const used = offsets[offsets.length - 1]!;
        offsets.push(used + bytes.write(piece, used, 'latin1'));
        ids.push(record.id!);
        starts.push(start);
        if (used + piece.length >= chunkBases) yield chunk();
        if (end === seq.length) break;
        start = end - overlap;
      }
    }
  }
  if (ids.length) yield chunk();
}

/** The ids of a chunk as the records that `invalidSequenceError` names. */
export function chunkRecords(chunk: SequenceChunk): { id: string }[] {
  return chunk.ids.map((id) => ({ id }));
}

/** The ids of a FASTA block's records, in order (as `invalidSequenceError` names rows). */
export function fastaRowIds(fasta: FastaText): { id: string }[] {
  const rows: { id: string }[] = [];
  scanFastaText(fasta, (headerStart) => rows.push({ id: fastaHeaderFields(fasta, headerStart).id }), {
    checkBases: false,
  });
  return rows;
}
