import { type BamHeader, parseBamHeader } from './header.js';
import { int32 } from './little-endian.js';
import { BamRecord } from './record.js';

/**
 * Splits inflated BAM bytes into the header and one batch of records per inflated buffer
 * (up to 512 KiB, several BGZF blocks). Records lying inside a buffer are views of it (no
 * copy), so a batch keeps only its own buffer alive; a record spanning buffers is copied
 * out on its own.
 */
export async function* bamRecordBatches(
  inflated: AsyncIterable<Buffer>,
  name: string,
): AsyncGenerator<BamRecord[]> {
  let header: BamHeader | undefined;
  let headerBytes: Buffer = Buffer.alloc(0);
  /** The pieces of a record that spans buffers, and its size with block_size once known. */
  let spanning: Buffer[] = [];
  let spanningLength = 0;
  let spanningSize = 0;
  let index = 0;
  const recordSize = (size: number) => {
    if (size < 32)
      throw new Error(`${name}: record ${index + 1}: block_size is ${size}, expected at least 32`);
    return 4 + size;
  };
  for await (const buffer of inflated) {
    let data = buffer;
    let p = 0;
    if (!header) {
      data = headerBytes.length ? Buffer.concat([headerBytes, buffer]) : buffer;
      const parsed = parseBamHeader(data, name);
      if (!parsed) {
        headerBytes = data;
        continue;
      }
      header = parsed.header;
      headerBytes = Buffer.alloc(0);
      p = parsed.size;
    }
    const batch: BamRecord[] = [];
    if (spanningLength) {
      // finish the record begun in earlier buffers: first its block_size, then its bytes
      if (!spanningSize && spanningLength + data.length >= 4) {
        const head = Buffer.concat([...spanning, data.subarray(0, 4 - spanningLength)]);
        spanningSize = recordSize(head.readInt32LE(0));
      }
      const take = Math.min(data.length, (spanningSize || 4) - spanningLength);
      spanning.push(data.subarray(0, take));
      spanningLength += take;
      p = take;
      if (spanningLength < spanningSize || !spanningSize) continue;
      batch.push(new BamRecord(Buffer.concat(spanning), 4, spanningSize - 4, header));
      index++;
      spanning = [];
      spanningLength = 0;
      spanningSize = 0;
    }
    const end = data.length;
    while (end - p >= 4) {
      const size = recordSize(int32(data, p));
      if (end - p < size) break;
      batch.push(new BamRecord(data, p + 4, size - 4, header));
      index++;
      p += size;
    }
    if (p < end) {
      spanning = [data.subarray(p)];
      spanningLength = end - p;
      spanningSize = spanningLength >= 4 ? recordSize(int32(data, p)) : 0;
    }
    if (batch.length) yield batch;
  }
  if (!header) throw new Error(`${name}: BAM header is incomplete, the file is truncated`);
  if (spanningLength) throw new Error(`${name}: the last record is incomplete, the file is truncated`);
}
