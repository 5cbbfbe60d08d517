import type { FastaText } from '../../src/plugin-api/index.js';

/**
 * Text per block at least: large enough that a worker task is worth its message, small
 * enough that a few blocks in flight hold little memory. A record longer than this (a
 * chromosome) makes one block of its own.
 */
const BLOCK_BYTES = 1 << 20;

const NEWLINE_HEADER = Buffer.from('\n>');

/**
 * Cuts a FASTA byte stream into blocks of whole records, each cut just before a header
 * line; a block is one buffer of its own (copied once from the pieces read), so it can be
 * posted to a worker whole while the main thread keeps it for the records it may still build.
 * (Shared memory was tried: allocating it cost the main thread twice as much as the copy.)
 */
export async function* fastaBlocks(
  source: AsyncIterable<Buffer>,
  file: string,
  label: string | undefined,
): AsyncGenerator<FastaText> {
  let pieces: Buffer[] = [];
  let held = 0;
  let firstLine = 1;
  const block = (parts: Buffer[]): FastaText => {
    const bytes = Buffer.concat(parts);
    const text: FastaText = { bytes, file, firstLine, records: countRecords(bytes) };
    if (label !== undefined) text.label = label;
    firstLine += countLines(bytes);
    return text;
  };
  for await (const piece of source) {
    held += piece.length;
    const cut = held >= BLOCK_BYTES ? lastRecordStart(piece, pieces) : -1;
    if (cut < 0) {
      pieces.push(piece);
      continue;
    }
    yield block([...pieces, piece.subarray(0, cut)]);
    pieces = [piece.subarray(cut)];
    held = piece.length - cut;
  }
  if (held) {
    const last = pieces[pieces.length - 1]!;
    if (last[last.length - 1] !== 10) pieces.push(Buffer.from('\n'));
    yield block(pieces);
  }
}

/**
 * Where the last record that starts in `piece` begins (a header at the piece's very start
 * counts when the text before it ends a line), or -1.
 */
function lastRecordStart(piece: Buffer, before: Buffer[]): number {
  const at = piece.lastIndexOf(NEWLINE_HEADER);
  if (at >= 0) return at + 1;
  return piece[0] === 62 && endsLine(before) ? 0 : -1;
}

function endsLine(pieces: Buffer[]): boolean {
  const last = pieces[pieces.length - 1];
  return last !== undefined && last[last.length - 1] === 10;
}

/** Header lines: `>` at the start of a line. */
function countRecords(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let records = 0;
  for (let i = buffer.indexOf(62); i !== -1; i = buffer.indexOf(62, i + 1)) {
    if (i === 0 || buffer[i - 1] === 10) records++;
  }
  return records;
}

function countLines(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let lines = 0;
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) lines++;
  return lines;
}
