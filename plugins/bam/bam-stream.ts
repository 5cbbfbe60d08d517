import { type BamHeader, parseBamHeader } from './header.js';
import { BamRecord } from './record.js';

/**
 * Splits inflated BAM bytes into the header and batches of records. Records lying inside
 * one inflated block are views of it (no copy); a record spanning blocks is copied out.
 */
export async function* bamRecordBatches(
  inflated: AsyncIterable<Buffer>,
  name: string,
): AsyncGenerator<BamRecord[]> {
  let header: BamHeader | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  for await (const data of inflated) {
    const buf = pending.length ? Buffer.concat([pending, data]) : data;
    let p = 0;
    if (!header) {
      const parsed = parseBamHeader(buf, name);
      if (!parsed) {
        pending = buf;
        continue;
      }
      header = parsed.header;
      p = parsed.size;
    }
    const batch: BamRecord[] = [];
    while (buf.length - p >= 4) {
      const size = buf.readInt32LE(p);
      if (size < 32)
        throw new Error(`${name}: record ${index + 1}: block_size is ${size}, expected at least 32`);
      if (buf.length - p - 4 < size) break;
      batch.push(new BamRecord(buf, p + 4, size, header));
      index++;
      p += 4 + size;
    }
    pending = p < buf.length ? Buffer.from(buf.subarray(p)) : Buffer.alloc(0);
    if (batch.length) yield batch;
  }
  if (!header) throw new Error(`${name}: BAM header is incomplete, the file is truncated`);
  if (pending.length) throw new Error(`${name}: the last record is incomplete, the file is truncated`);
}
