import { promisify } from 'node:util';
import { crc32, inflateRaw } from 'node:zlib';

const inflate = promisify(inflateRaw);

/** The 28-byte empty block every BGZF file ends with (SAM spec 4.1.2). */
const EOF_BLOCK = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

/** How many BGZF blocks are inflated at once on libuv's thread pool (bounded so memory stays flat). */
const DEFAULT_IN_FLIGHT = 16;

/** True when `head` starts a gzip member carrying the BGZF `BC` extra field. */
export function isBgzf(head: Uint8Array): boolean {
  if (head.length < 18 || head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8 || !(head[3]! & 4))
    return false;
  return blockSize(Buffer.from(head.buffer, head.byteOffset, head.length), 0, '') !== undefined;
}

/**
 * Total size of the BGZF block starting at `at` (BSIZE + 1), or undefined when its
 * header is not complete in `buf` yet. Throws when the bytes are not a BGZF block.
 */
function blockSize(buf: Buffer, at: number, name: string): number | undefined {
  if (buf.length - at < 12) return undefined;
  if (buf[at] !== 0x1f || buf[at + 1] !== 0x8b || buf[at + 2] !== 8 || !(buf[at + 3]! & 4)) {
    throw new Error(
      `${name}: not a BGZF block at byte ${at}, expected a gzip header with the BC extra field`,
    );
  }
  const xlen = buf.readUInt16LE(at + 10);
  if (buf.length - at < 12 + xlen) return undefined;
  for (let p = at + 12; p + 4 <= at + 12 + xlen; ) {
    const slen = buf.readUInt16LE(p + 2);
    if (buf[p] === 66 && buf[p + 1] === 67 && slen === 2) return buf.readUInt16LE(p + 4) + 1;
    p += 4 + slen;
  }
  throw new Error(`${name}: gzip block at byte ${at} lacks the BGZF BC field (plain gzip, not BGZF)`);
}

/** Inflates one whole BGZF block and checks its CRC32 and ISIZE. */
async function inflateBlock(block: Buffer, name: string, at: number): Promise<Buffer> {
  const xlen = block.readUInt16LE(10);
  const end = block.length - 8;
  const expectedCrc = block.readUInt32LE(end);
  const expectedSize = block.readUInt32LE(end + 4);
  if (expectedSize === 0) return Buffer.alloc(0);
  let data: Buffer;
  try {
    // one output chunk per block: zlib's default 16 KB chunks cost a main-thread round trip each
    data = await inflate(block.subarray(12 + xlen, end), { chunkSize: 1 << 16 });
  } catch (err) {
    throw new Error(`${name}: BGZF block at byte ${at} is corrupt (${(err as Error).message})`);
  }
  if (data.length !== expectedSize || crc32(data) !== expectedCrc) {
    throw new Error(`${name}: BGZF block at byte ${at} fails its CRC32/ISIZE check, the file is corrupt`);
  }
  return data;
}

/**
 * Inflated contents of a BGZF byte stream, in order, one buffer per block. Up to
 * `inFlight` blocks are inflated concurrently on libuv's thread pool. A stream that ends
 * inside a block or without the EOF marker block is an error.
 */
export async function* inflateBgzf(
  source: AsyncIterable<Buffer>,
  name: string,
  inFlight = DEFAULT_IN_FLIGHT,
): AsyncGenerator<Buffer> {
  const queue: Promise<Buffer>[] = [];
  const chunks = source[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  let consumed = 0;
  let lastBlock: Buffer | undefined;
  let ended = false;
  for (;;) {
    while (queue.length < inFlight) {
      const size = blockSize(pending, offset, name);
      if (size !== undefined && pending.length - offset >= size) {
        const block = pending.subarray(offset, offset + size);
        const promise = inflateBlock(block, name, consumed);
        promise.catch(() => {}); // surfaced when awaited in order below
        queue.push(promise);
        lastBlock = block;
        offset += size;
        consumed += size;
        continue;
      }
      if (ended) break;
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        continue;
      }
      pending = offset < pending.length ? Buffer.concat([pending.subarray(offset), next.value]) : next.value;
      offset = 0;
    }
    if (!queue.length) break;
    const data = await queue.shift()!;
    if (data.length) yield data;
  }
  if (offset < pending.length) {
    throw new Error(`${name}: truncated BGZF block at byte ${consumed} (the file was cut short)`);
  }
  if (!lastBlock?.equals(EOF_BLOCK)) {
    throw new Error(`${name}: BGZF EOF marker block is missing, the file is truncated`);
  }
}

/** A positioned BGZF block reader over a file, for index (region) queries. */
export class BgzfFile {
  private cache = new Map<number, { data: Buffer; next: number }>();

  constructor(
    private readonly read: (position: number, length: number) => Promise<Buffer>,
    private readonly name: string,
  ) {}

  /** The inflated block at compressed offset `at`, and the offset of the block after it. */
  async block(at: number): Promise<{ data: Buffer; next: number }> {
    const hit = this.cache.get(at);
    if (hit) return hit;
    const head = await this.read(at, 18);
    const size = head.length < 18 ? undefined : blockSize(head, 0, this.name);
    if (size === undefined) throw new Error(`${this.name}: truncated BGZF block at byte ${at}`);
    const raw = await this.read(at, size);
    if (raw.length < size) throw new Error(`${this.name}: truncated BGZF block at byte ${at}`);
    const entry = { data: await inflateBlock(raw, this.name, at), next: at + size };
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(at, entry);
    return entry;
  }
}
