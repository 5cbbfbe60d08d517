/**
 * Sequences of a batch packed into one byte buffer plus offsets: the form that crosses to
 * worker threads (moved, or shared between the workers of a partitioned count).
 */
export interface PackedSequences {
  /** latin1 bytes of every sequence, back to back. */
  bytes: Uint8Array;
  /** Row i is `bytes[offsets[i], offsets[i + 1])`; `rows + 1` entries. */
  offsets: Uint32Array;
}

/** Packs `seqs`; `shared` puts the bytes in a SharedArrayBuffer for several readers. */
export function packSequences(seqs: readonly string[], shared = false): PackedSequences {
  const offsets = new Uint32Array(seqs.length + 1);
  let total = 0;
  for (let i = 0; i < seqs.length; i++) {
    total += seqs[i]!.length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total));
  const writer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < seqs.length; i++) writer.write(seqs[i]!, offsets[i]!, 'latin1');
  return { bytes, offsets };
}

/** The buffers to move with a packed batch. */
export function packedTransfer(packed: PackedSequences): ArrayBuffer[] {
  const list = [packed.offsets.buffer as ArrayBuffer];
  if (packed.bytes.buffer instanceof ArrayBuffer) list.push(packed.bytes.buffer);
  return list;
}
