import type { PortCodec } from '../../src/plugin-api/index.js';
import { type BamHeader, encodeBamHeader, parseBamHeader } from './header.js';
import { BamRecord } from './record.js';

/**
 * Stores `bam-record` streams: each record's raw BAM bytes, preceded by the binary header
 * the first time (and whenever the header changes, e.g. after a merge of two files).
 * Layout: 1 byte "header follows", [u32 header length, header], record bytes.
 */
export const bamRecordCodec: PortCodec<BamRecord> = {
  accepts: (value) => value instanceof BamRecord,
  createEncoder() {
    let last: BamHeader | undefined;
    return (record) => {
      const bytes = record.bytes;
      if (record.header === last) return Buffer.concat([Buffer.of(0), bytes]);
      last = record.header;
      const header = encodeBamHeader(record.header);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(header.length, 0);
      return Buffer.concat([Buffer.of(1), length, header, bytes]);
    };
  },
  createDecoder() {
    let header: BamHeader | undefined;
    return (chunk) => {
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let p = 1;
      if (buf[0] === 1) {
        const length = buf.readUInt32LE(1);
        header = parseBamHeader(buf.subarray(5, 5 + length), 'bam-record cache')?.header;
        p = 5 + length;
      }
      if (!header) throw new Error('bam-record cache: a record came before its header');
      return new BamRecord(buf, p, buf.length - p, header);
    };
  },
};
