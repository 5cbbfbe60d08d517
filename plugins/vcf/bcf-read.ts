import { BCF_MAGIC, type BcfHeader, parseBcfHeader } from './bcf-header.js';
import { BcfRecordError, bcfRecordLine } from './bcf-record.js';
import { parseRecord, type VcfRecord } from './record.js';

/**
 * The records of an uncompressed BCF 2.2 byte stream (BGZF already inflated), in batches of
 * one incoming chunk each. Every error says the byte offset (in the uncompressed stream)
 * of the record it is about and what was expected.
 */
export async function* bcfRecords(source: AsyncIterable<Buffer>, name: string): AsyncGenerator<VcfRecord[]> {
  let pending: Buffer = Buffer.alloc(0);
  /** Uncompressed offset of `pending[0]`. */
  let offset = 0;
  let header: BcfHeader | undefined;
  let recordNumber = 0;
  const fail = (at: number, message: string) =>
    new Error(
      `${name}: BCF ${recordNumber ? `record ${recordNumber} at ` : ''}byte ${offset + at}: ${message}`,
    );
  for await (const chunk of source) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    if (!header) {
      if (pending.length < 9) continue;
      if (!pending.subarray(0, 5).equals(BCF_MAGIC))
        throw fail(
          0,
          `starts with ${JSON.stringify(pending.toString('latin1', 0, 5))}, expected BCF\\2\\2 (BCF 2.2)`,
        );
      const length = pending.readUInt32LE(5);
      if (pending.length < 9 + length) continue;
      header = parseBcfHeader(pending.toString('utf8', 9, 9 + length), name);
      at = 9 + length;
    }
    const records: VcfRecord[] = [];
    while (pending.length - at >= 8) {
      const shared = pending.readUInt32LE(at);
      const indiv = pending.readUInt32LE(at + 4);
      if (pending.length - at - 8 < shared + indiv) break;
      recordNumber++;
      try {
        const line = bcfRecordLine(pending, at + 8, at + 8 + shared, at + 8 + shared + indiv, header);
        records.push(parseRecord(line, header.vcf, false));
      } catch (err) {
        if (err instanceof BcfRecordError) throw fail(at, err.message);
        throw err;
      }
      at += 8 + shared + indiv;
    }
    offset += at;
    pending = pending.subarray(at);
    if (records.length) yield records;
  }
  if (!header) throw fail(0, `stream of ${pending.length} bytes ends inside the BCF header`);
  if (pending.length) {
    recordNumber++;
    throw fail(
      0,
      `stream ends ${pending.length} bytes into a record, expected the whole record (truncated file?)`,
    );
  }
}
