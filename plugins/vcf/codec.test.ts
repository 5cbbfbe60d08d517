import { describe, expect, it } from 'vitest';
import {
  carryingCodec,
  codecContext,
  type SequenceRecord,
  type TokenBatch,
} from '../../src/plugin-api/index.js';
import { vcfRecordCodec } from './codec.js';
import { VcfRecord } from './record.js';
import { readVcf } from './test-helpers.js';

const context = codecContext([['vcf-record', vcfRecordCodec]]);
const labelled = () => readVcf({ path: 'samples/variants/labelled.vcf' });

describe('records carrying a VCF record', () => {
  it('store the carried record by the vcf-record codec: its line once, the header once per stream', async () => {
    const { records } = await labelled();
    const sequences: SequenceRecord[] = records.map((r) => ({
      id: `${r.chrom}:${r.pos}`,
      seq: 'ACGT'.repeat(25),
      chrom: r.chrom,
      start: r.pos - 50,
      end: r.pos + 50,
      source: r,
    }));
    const codec = carryingCodec<SequenceRecord>('source');
    const withSource = sequences.map(codec.createEncoder(context));
    const withoutSource = sequences.map(({ source: _, ...rest }) => rest).map(codec.createEncoder(context));
    // Past the first record (which brings the header), a carried record costs its line and a few bytes.
    for (let i = 1; i < records.length; i++) {
      const carried = withSource[i]!.length - withoutSource[i]!.length;
      expect(carried).toBeLessThan(Buffer.byteLength(records[i]!.line) + 12);
    }
    const header = Buffer.byteLength(records[0]!.header.text);
    const total =
      withSource.reduce((n, b) => n + b.length, 0) - withoutSource.reduce((n, b) => n + b.length, 0);
    const lines = records.reduce((n, r) => n + Buffer.byteLength(r.line), 0);
    expect(total).toBeLessThan(header + 1.3 * lines);

    const decode = codec.createDecoder(context);
    const back = withSource.map(decode);
    expect(back.map(({ source: _, ...rest }) => rest)).toEqual(
      sequences.map(({ source: _, ...rest }) => rest),
    );
    for (const [i, seq] of back.entries()) {
      const source = seq.source as VcfRecord;
      expect(source).toBeInstanceOf(VcfRecord);
      expect(String(source)).toBe(String(records[i]));
      expect(source.info).toEqual(records[i]!.info);
      expect(source.header).toBe((back[0]!.source as VcfRecord).header);
    }
    expect(back.filter((s) => (s.source as VcfRecord).info.CLNSIG !== undefined)).toHaveLength(
      records.filter((r) => r.info.CLNSIG !== undefined).length,
    );
  });

  it('token batches keep every item source, typed arrays and absent sources', async () => {
    const { records } = await labelled();
    const items = records.slice(0, 5).map((r, i) => ({ id: `v${i}`, source: i === 2 ? undefined : r }));
    const tokens: TokenBatch = {
      ids: Int32Array.from({ length: 5 * 4 }, (_, i) => i),
      rows: 5,
      length: 4,
      spec: {
        kind: 'overlapping',
        k: 3,
        stride: 1,
        maxTokens: 4,
        truncate: 'head',
        ambiguous: 'unk',
        addCls: false,
        vocabSize: 69,
      },
      items,
    };
    const codec = carryingCodec<TokenBatch>('items[].source');
    const back = codec.createDecoder(context)(codec.createEncoder(context)(tokens));
    expect(back.ids).toEqual(tokens.ids);
    expect(back.ids).toBeInstanceOf(Int32Array);
    expect(back.items.map((item) => item.source instanceof VcfRecord)).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
    expect('source' in back.items[2]!).toBe(false);
    expect(back.items.map((item) => item.source && String(item.source))).toEqual(
      items.map((item) => item.source && String(item.source)),
    );
  });

  it('a carried value no codec accepts goes through structured clone', () => {
    const codec = carryingCodec<SequenceRecord>('source');
    const record = { id: 'a', seq: 'AC', source: { name: 'x', at: [1, 2] } };
    expect(codec.createDecoder(context)(codec.createEncoder(context)(record))).toEqual(record);
  });

  it('decoding a carried record whose codec is not loaded names its port type', async () => {
    const { records } = await labelled();
    const codec = carryingCodec<SequenceRecord>('source');
    const bytes = codec.createEncoder(context)({ id: 'a', seq: 'AC', source: records[0] });
    expect(() => codec.createDecoder(codecContext([]))(bytes)).toThrow(/"vcf-record".*no loaded plugin/);
  });
});
