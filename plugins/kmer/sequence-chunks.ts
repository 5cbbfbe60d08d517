import type { SequenceRecord } from '../../src/plugin-api/index.js';
import type { PackedSequences } from './packed-sequences.js';

/** Input for one counting task: sequences packed as they arrived, their ids kept to name a bad one. */
export interface SequenceChunk {
  packed: PackedSequences;
  ids: string[];
}

/**
 * Batches of sequence records as chunks of about `chunkBases` bases, each sequence copied
 * into the chunk's bytes as it arrives: the record strings die young, where holding the
 * records until their chunk is counted would move them to the old generation of the heap.
 * Records marked invalid count as empty sequences.
 */
export async function* sequenceChunks(
  batches: AsyncIterable<readonly SequenceRecord[]>,
  chunkBases: number,
): AsyncGenerator<SequenceChunk> {
  let bytes = Buffer.allocUnsafe(chunkBases + (chunkBases >> 2));
  let offsets = [0];
  let ids: string[] = [];
  let used = 0;
  const chunk = (): SequenceChunk => ({
    packed: { bytes: bytes.subarray(0, used), offsets: Uint32Array.from(offsets) },
    ids,
  });
  for await (const batch of batches) {
    for (const record of batch) {
      const seq = record.invalid === undefined ? record.seq : '';
      if (used + seq.length > bytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * bytes.length, used + seq.length));
        bytes.copy(grown, 0, 0, used);
        bytes = grown;
      }
      used += bytes.write(seq, used, 'latin1');
      offsets.push(used);
      ids.push(record.id);
      if (used < chunkBases) continue;
      yield chunk();
      bytes = Buffer.allocUnsafe(chunkBases + (chunkBases >> 2));
      offsets = [0];
      ids = [];
      used = 0;
    }
  }
  if (ids.length) yield chunk();
}

/** The ids of a chunk as the records that `invalidSequenceError` names. */
export function chunkRecords(chunk: SequenceChunk): { id: string }[] {
  return chunk.ids.map((id) => ({ id }));
}
