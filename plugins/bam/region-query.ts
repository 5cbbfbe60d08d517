import type { FileHandle } from 'node:fs/promises';
import type { BgzfFile } from '../../src/plugin-api/index.js';
import {
  type BamIndex,
  type Chunk,
  chunksForRegion,
  compareOffsets,
  type VirtualOffset,
} from './bam-index.js';
import type { BamHeader } from './header.js';
import { BamRecord } from './record.js';
import type { Region } from './region.js';

/** Reads bytes across BGZF blocks from a virtual offset on. */
class BlockCursor {
  private data: Buffer = Buffer.alloc(0);
  private next = 0;
  private constructor(
    private readonly file: BgzfFile,
    private block: number,
    private within: number,
  ) {}

  static async at(file: BgzfFile, offset: VirtualOffset): Promise<BlockCursor> {
    const cursor = new BlockCursor(file, offset.block, offset.within);
    await cursor.load(offset.block);
    return cursor;
  }

  private async load(block: number): Promise<void> {
    const { data, next } = await this.file.block(block);
    this.block = block;
    this.data = data;
    this.next = next;
  }

  /** The virtual offset of the next unread byte (at a block's end, the next block's start). */
  async position(): Promise<VirtualOffset> {
    while (this.within >= this.data.length && this.data.length !== 0) {
      this.within -= this.data.length;
      await this.load(this.next);
    }
    return { block: this.block, within: this.within };
  }

  /** The next `n` bytes, or undefined at the end of the file. */
  async take(n: number): Promise<Buffer | undefined> {
    if (this.within + n <= this.data.length) {
      const out = this.data.subarray(this.within, this.within + n);
      this.within += n;
      return out;
    }
    const parts: Buffer[] = [];
    let missing = n;
    while (missing > 0) {
      if (this.within >= this.data.length) {
        if (this.data.length === 0) return undefined; // the EOF block
        this.within -= this.data.length;
        await this.load(this.next);
        if (this.data.length === 0) return undefined;
      }
      const piece = this.data.subarray(this.within, Math.min(this.data.length, this.within + missing));
      parts.push(piece);
      this.within += piece.length;
      missing -= piece.length;
    }
    return Buffer.concat(parts);
  }
}

/** The end of a record on the reference, as htslib's bam_endpos (0-based, exclusive). */
function endPosition(record: BamRecord): number {
  const length = record.flag & 4 ? 0 : record.refLength;
  return record.pos - 1 + (length || 1);
}

/**
 * Records overlapping `region`, in file order, exactly as htslib's region iterator (and so
 * `samtools view FILE REGION`) gives them.
 */
export async function* recordsInRegion(
  file: BgzfFile,
  index: BamIndex,
  header: BamHeader,
  region: Region,
  name: string,
): AsyncGenerator<BamRecord[]> {
  const chunks: Chunk[] = chunksForRegion(index, region.refId, region.beg, region.end);
  for (const chunk of chunks) {
    const cursor = await BlockCursor.at(file, chunk.beg);
    const batch: BamRecord[] = [];
    while (compareOffsets(await cursor.position(), chunk.end) < 0) {
      const sizeBytes = await cursor.take(4);
      if (!sizeBytes) break;
      const size = sizeBytes.readInt32LE(0);
      if (size < 32) throw new Error(`${name}: record block_size is ${size}, expected at least 32`);
      const bytes = await cursor.take(size);
      if (!bytes) throw new Error(`${name}: the last record is incomplete, the file is truncated`);
      const record = new BamRecord(bytes, 0, size, header);
      if (record.refId !== region.refId || record.pos - 1 >= region.end) {
        if (batch.length) yield batch;
        return;
      }
      if (endPosition(record) > region.beg) batch.push(record);
    }
    if (batch.length) yield batch;
  }
}

/** Positioned reads of an open file, for BgzfFile. */
export function positionedReader(handle: FileHandle): (position: number, length: number) => Promise<Buffer> {
  return async (position, length) => {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  };
}
