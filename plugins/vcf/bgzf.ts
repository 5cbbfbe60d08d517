import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, deflateRaw, deflateRawSync } from 'node:zlib';

/** Uncompressed bytes per BGZF block (bgzip's 0xff00: the compressed block fits 64 KiB). */
export const BLOCK_DATA_SIZE = 0xff00;
const HEADER_SIZE = 18;
const FOOTER_SIZE = 8;
const IN_FLIGHT = 8;
const deflate = promisify(deflateRaw);

/** The 28-byte empty block that marks the end of a BGZF file. */
export const EOF_BLOCK = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

/** Wraps raw deflate output into one BGZF block (a gzip member with the BC extra field). */
function frame(data: Buffer, compressed: Buffer): Buffer {
  const block = Buffer.allocUnsafe(HEADER_SIZE + compressed.length + FOOTER_SIZE);
  block.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0]);
  block.writeUInt16LE(block.length - 1, 16);
  compressed.copy(block, HEADER_SIZE);
  block.writeUInt32LE(crc32(data), block.length - 8);
  block.writeUInt32LE(data.length, block.length - 4);
  return block;
}

/** Compresses `data` (at most BLOCK_DATA_SIZE bytes) to one BGZF block, synchronously. */
export function bgzfBlockSync(data: Buffer): Buffer {
  return frame(data, deflateRawSync(data));
}

/**
 * A BGZF compressor: cuts the byte stream into blocks of exactly BLOCK_DATA_SIZE bytes
 * (so block k holds uncompressed offsets [k*B, (k+1)*B)), deflates up to IN_FLIGHT blocks
 * at once on libuv's thread pool, emits them in order, and ends with the EOF block.
 * `blockStarts[k]` is the compressed offset of block k, for virtual offsets.
 */
export class BgzfCompressor extends Transform {
  readonly blockStarts: number[] = [];
  private readonly pending = Buffer.allocUnsafe(BLOCK_DATA_SIZE);
  private filled = 0;
  private compressedSize = 0;
  private inFlight: Array<Promise<Buffer>> = [];

  /** Virtual offset (compressed block start << 16 | offset in block) of an uncompressed offset. */
  virtualOffset(uncompressed: number): number {
    const block = Math.floor(uncompressed / BLOCK_DATA_SIZE);
    return this.blockStarts[block]! * 65536 + (uncompressed - block * BLOCK_DATA_SIZE);
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.collect(bytes).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    (async () => {
      if (this.filled) this.startBlock(Buffer.from(this.pending.subarray(0, this.filled)));
      while (this.inFlight.length) await this.emitOldest();
      this.blockStarts.push(this.compressedSize);
      this.push(EOF_BLOCK);
    })().then(() => done(), done);
  }

  private async collect(bytes: Buffer): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, BLOCK_DATA_SIZE - this.filled);
      bytes.copy(this.pending, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === BLOCK_DATA_SIZE) {
        this.startBlock(Buffer.from(this.pending));
        this.filled = 0;
        if (this.inFlight.length >= IN_FLIGHT) await this.emitOldest();
      }
    }
  }

  private startBlock(data: Buffer): void {
    this.inFlight.push(deflate(data).then((compressed) => frame(data, compressed)));
  }

  private async emitOldest(): Promise<void> {
    const block = await this.inFlight.shift()!;
    this.blockStarts.push(this.compressedSize);
    this.compressedSize += block.length;
    this.push(block);
  }
}
