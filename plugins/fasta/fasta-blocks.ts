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
    const { lines, records } = countLines(bytes);
    const text: FastaText = { bytes, file, firstLine, records };
    if (label !== undefined) text.label = label;
    firstLine += lines;
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

/** Lines, and records among them (lines starting with `>`), in one native search per line. */
function countLines(bytes: Buffer): { lines: number; records: number } {
  let lines = 0;
  let records = bytes[0] === 62 ? 1 : 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) {
    lines++;
    if (bytes[i + 1] === 62) records++;
  }
  return { lines, records };
}
