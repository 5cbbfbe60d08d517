// Straight from its module, as workers load this: the API's index would load all of it.
import {
  copyFastaSequence,
  type FastaText,
  MalformedFastaError,
  scanFastaText,
} from '../../src/plugin-api/fasta-text.js';

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

/**
 * Sequences joined into one string plus offsets: the cheapest form for the main thread to
 * build (one native join, one small loop) and to post (a string is copied in one piece);
 * the worker packs it into bytes, off the main thread.
 */
export interface JoinedSequences {
  text: string;
  /** Row i is `text.slice(offsets[i], offsets[i + 1])`; `rows + 1` entries. */
  offsets: Uint32Array;
}

/** Packs `seqs`; `shared` puts the bytes in a SharedArrayBuffer for several readers. */
export function packSequences(seqs: readonly string[], shared = false): PackedSequences {
  const offsets = sequenceOffsets(seqs);
  const total = offsets[seqs.length]!;
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total));
  const writer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < seqs.length; i++) writer.write(seqs[i]!, offsets[i]!, 'latin1');
  return { bytes, offsets };
}

export function joinSequences(seqs: readonly string[]): JoinedSequences {
  return { text: seqs.join(''), offsets: sequenceOffsets(seqs) };
}

/** The bytes of joined sequences, each char as one latin1 byte (as `packSequences` writes them). */
export function packJoined(joined: JoinedSequences): PackedSequences {
  return { bytes: Buffer.from(joined.text, 'latin1'), offsets: joined.offsets };
}

function sequenceOffsets(seqs: readonly string[]): Uint32Array {
  const offsets = new Uint32Array(seqs.length + 1);
  let total = 0;
  for (let i = 0; i < seqs.length; i++) {
    total += seqs[i]!.length;
    offsets[i + 1] = total;
  }
  return offsets;
}

/** The buffers to move with a packed batch. */
export function packedTransfer(packed: PackedSequences): ArrayBuffer[] {
  const list = [packed.offsets.buffer as ArrayBuffer];
  if (packed.bytes.buffer instanceof ArrayBuffer) list.push(packed.bytes.buffer);
  return list;
}

/** Bytes that packing FASTA text reuses from one block to the next (a kernel reads them and is done). */
let scratch = new Uint8Array(0);

/**
 * The sequences of a block of FASTA text packed for a kernel, with where each record's
 * header starts (so the main thread can name a row from the text it still holds). The
 * packed bytes are reused by the next call. Throws `file:line: ...` for a malformed record
 * (bytes that are no base are left to the kernel).
 */
export function packFastaText(text: FastaText): { packed: PackedSequences; headers: Int32Array } {
  if (scratch.length < text.bytes.length) scratch = new Uint8Array(text.bytes.length);
  const offsets = new Uint32Array(text.records + 1);
  const headers = new Int32Array(text.records);
  let row = 0;
  let at = 0;
  scanFastaText(
    text,
    (headerStart, _headerEnd, seqStart, seqEnd, lines) => {
      headers[row] = headerStart;
      at += copyFastaSequence(text.bytes, seqStart, seqEnd, lines, scratch, at);
      offsets[++row] = at;
    },
    // The kernels reject every byte that is no base, naming the sequence and position.
    { checkBases: false },
  );
  return { packed: { bytes: scratch, offsets }, headers };
}

/** `packFastaText`, with a malformed record as its `file:line` message instead of an exception. */
export function parsedFasta(text: FastaText): ReturnType<typeof packFastaText> | { malformed: string } {
  try {
    return packFastaText(text);
  } catch (err) {
    if (err instanceof MalformedFastaError) return { malformed: err.message };
    throw err;
  }
}
