import type { PortCodec } from '../../src/plugin-api/index.js';
import { headerFromText, type VcfHeader } from './header.js';
import { parseRecord, VcfRecord } from './record.js';

/*
 * Cache encoding of a vcf-record stream. Per record, UTF-8 text:
 *   [H<length>:<header text>] R<line>\n<infoAdd as JSON, or nothing>
 * The header goes out once per stream (again only if a record brings another header), so
 * a stored stream costs about as much as the VCF itself.
 */
export const vcfRecordCodec: PortCodec<VcfRecord> = {
  accepts: (value) => value instanceof VcfRecord,
  createEncoder() {
    let lastHeader: VcfHeader | undefined;
    return (record) => {
      let text = '';
      if (record.header !== lastHeader) {
        lastHeader = record.header;
        text = `H${record.header.text.length}:${record.header.text}`;
      }
      text += `R${record.line}\n${record.infoAdd ? JSON.stringify(record.infoAdd) : ''}`;
      return Buffer.from(text);
    };
  },
  createDecoder() {
    let header: VcfHeader | undefined;
    return (bytes) => {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString();
      let at = 0;
      if (text.startsWith('H')) {
        const colon = text.indexOf(':');
        const length = Number(text.slice(1, colon));
        header = headerFromText(text.slice(colon + 1, colon + 1 + length));
        at = colon + 1 + length;
      }
      if (!header || text[at] !== 'R')
        throw new Error('vcf-record codec: corrupt record (no header or no R marker)');
      const newline = text.indexOf('\n', at);
      const record = parseRecord(text.slice(at + 1, newline), header, false);
      const extra = text.slice(newline + 1);
      if (extra) record.infoAdd = JSON.parse(extra) as VcfRecord['infoAdd'];
      return record;
    };
  },
};
