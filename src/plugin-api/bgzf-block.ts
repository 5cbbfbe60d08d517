import { crc32, inflateRawSync } from 'node:zlib';

/** The 28-byte empty block every BGZF file ends with (SAM spec 4.1.2). */
export const EOF_BLOCK = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

/**
 * Total size of the BGZF block starting at `at` (BSIZE + 1), or undefined when its
 * header is not complete in `buf` yet. Throws when the bytes are not a BGZF block (saying
 * it is at byte `where` of the stream).
 */
export function blockSize(buf: Uint8Array, at: number, name: string, where = at): number | undefined {
  if (buf.length - at < 12) return undefined;
  if (buf[at] !== 0x1f || buf[at + 1] !== 0x8b || buf[at + 2] !== 8 || !(buf[at + 3]! & 4)) {
    throw new Error(
      `${name}: not a BGZF block at byte ${where}, expected a gzip header with the BC extra field`,
    );
  }
  const xlen = buf[at + 10]! | (buf[at + 11]! << 8);
  if (buf.length - at < 12 + xlen) return undefined;
  for (let p = at + 12; p + 4 <= at + 12 + xlen; ) {
    const slen = buf[p + 2]! | (buf[p + 3]! << 8);
    if (buf[p] === 66 && buf[p + 1] === 67 && slen === 2) return (buf[p + 4]! | (buf[p + 5]! << 8)) + 1;
    p += 4 + slen;
  }
  throw new Error(`${name}: gzip block at byte ${where} lacks the BGZF BC field (plain gzip, not BGZF)`);
}

/** True when `head` starts a gzip member carrying the BGZF `BC` extra field. */
export function isBgzf(head: Uint8Array): boolean {
  if (head.length < 18 || head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8 || !(head[3]! & 4))
    return false;
  return blockSize(head, 0, '') !== undefined;
}

/**
 * Inflates the whole BGZF block `block` (at byte `at` of `name`) and checks its CRC32 and
 * ISIZE. Synchronous: for index queries, which read a few blocks.
 */
export function inflateBlock(block: Buffer, name: string, at: number): Buffer {
  const xlen = block.readUInt16LE(10);
  const end = block.length - 8;
  const expectedCrc = block.readUInt32LE(end);
  const expectedSize = block.readUInt32LE(end + 4);
  if (expectedSize === 0) return Buffer.alloc(0);
  let data: Buffer;
  try {
    data = inflateRawSync(block.subarray(12 + xlen, end), { chunkSize: Math.max(64, expectedSize) });
  } catch (err) {
    throw new Error(`${name}: BGZF block at byte ${at} is corrupt (${(err as Error).message})`);
  }
  if (data.length !== expectedSize || crc32(data) !== expectedCrc) {
    throw new Error(`${name}: BGZF block at byte ${at} fails its CRC32/ISIZE check, the file is corrupt`);
  }
  return data;
}
