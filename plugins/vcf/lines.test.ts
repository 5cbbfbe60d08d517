import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ifSharedData, sharedData } from '../../test/shared-data.js';
import { lineBlocks } from './lines.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Every line, and for each line in a block with bytes, whether those bytes are the line and its newline. */
async function collect(bytes: Buffer, size: number) {
  const lines: string[] = [];
  let withBytes = 0;
  for await (const block of lineBlocks(chunksOf(bytes, size))) {
    let start = 0;
    for (const line of block.lines) {
      lines.push(line);
      if (block.bytes) {
        expect(block.bytes.toString('latin1', start, start + line.length + 1)).toBe(`${line}\n`);
        withBytes++;
      }
      start += line.length + 1;
    }
    if (block.bytes) expect(start).toBe(block.bytes.length);
  }
  return { lines, withBytes };
}

describe('lineBlocks', () => {
  const vcf = ifSharedData(() => readFileSync(sharedData('vcf/bcftools/mpileup.vcf')), Buffer.alloc(0));
  const expected = vcf.toString().split('\n').slice(0, -1);

  it.each([7, 1000, 1 << 20])(
    'cuts ASCII input in %i-byte chunks into the same lines, each with its bytes',
    async (size) => {
      const { lines, withBytes } = await collect(vcf, size);
      expect(lines).toEqual(expected);
      expect(withBytes).toBe(expected.length);
    },
  );

  it('gives no bytes for CRLF or non-ASCII text, or for a last line without newline, and strips \\r', async () => {
    const crlf = await collect(Buffer.from('a\r\nb\r\n'), 3);
    expect(crlf).toEqual({ lines: ['a', 'b'], withBytes: 0 });
    const utf8 = await collect(Buffer.from('é\tx\nplain\n'), 100);
    expect(utf8).toEqual({ lines: ['é\tx', 'plain'], withBytes: 0 });
    const unterminated = await collect(Buffer.from('a\nb'), 100);
    expect(unterminated).toEqual({ lines: ['a', 'b'], withBytes: 1 });
  });
});
