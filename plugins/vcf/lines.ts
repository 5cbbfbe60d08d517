import { isAscii } from 'node:buffer';

/**
 * Lines cut from one stretch of input. When that stretch is ASCII with `\n` line ends,
 * `bytes` holds it, each line followed by its `\n`, and a line's character offsets are its
 * byte offsets: a writer can then copy unmodified lines out of `bytes` without encoding.
 */
export interface LineBlock {
  lines: string[];
  bytes: Buffer | undefined;
}

/**
 * Splits a byte stream into blocks of whole lines: one block per incoming chunk, cut at its
 * last newline (a line that runs over several chunks waits until its newline comes). A
 * final line without a newline is still a line.
 */
export async function* lineBlocks(source: AsyncIterable<Buffer>): AsyncGenerator<LineBlock> {
  let waiting: Buffer[] = [];
  for await (const chunk of source) {
    const newline = chunk.lastIndexOf(10);
    if (newline < 0) {
      waiting.push(chunk);
      continue;
    }
    const block = waiting.length
      ? Buffer.concat([...waiting, chunk.subarray(0, newline + 1)])
      : chunk.subarray(0, newline + 1);
    waiting = newline + 1 < chunk.length ? [chunk.subarray(newline + 1)] : [];
    yield decode(block, true);
  }
  if (waiting.length) yield decode(Buffer.concat(waiting), false);
}

function decode(block: Buffer, endsInNewline: boolean): LineBlock {
  const ascii = isAscii(block);
  const text = ascii
    ? block.toString('latin1', 0, endsInNewline ? block.length - 1 : block.length)
    : block.toString('utf8');
  const lines = (endsInNewline && !ascii ? text.slice(0, -1) : text).split('\n');
  if (!text.includes('\r')) return { lines, bytes: ascii && endsInNewline ? block : undefined };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
  return { lines, bytes: undefined };
}
