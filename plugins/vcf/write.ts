import { defineStage, inputBatches, type Output, openOutput, z } from '../../src/plugin-api/index.js';
import { bcfEncoder } from './bcf-encode.js';
import { BgzfCompressor, BLOCK_DATA_SIZE, bgzfBlockSync, EOF_BLOCK } from './bgzf.js';
import { headerFromText, withProvenance } from './header.js';
import { IndexBuilder, TBI_MAX_END } from './index-builder.js';
import { VcfLineError } from './line-error.js';
import { LineGatherer } from './line-gatherer.js';
import { parseRecord, VcfRecord, withAddedInfo } from './record.js';
import { recordEnd } from './span.js';

/** Bytes gathered before one write: few large writes instead of one per record. */
const WRITE_BATCH = 1 << 18;

export const write = defineStage({
  description:
    'Writes VCF (plain or BGZF with a .tbi/.csi index) or BCF to a file or stdout (-), adding INFO fields',
  params: z.strictObject({
    path: z.string().default('-'),
    info: z
      .record(z.string().regex(/^[A-Za-z_][0-9A-Za-z_.]*$/), z.string())
      .default({})
      .describe(
        'INFO key -> field of the incoming record, e.g. `{ GF_SCORE: score }`. A key whose field the first record lacks is left out, header line and all (a stage gives a field on every record or on none, e.g. `tfjs.predict` gives `top_pos` only with `explain: true`).',
      ),
    format: z
      .enum(['auto', 'vcf', 'bcf'])
      .default('auto')
      .describe('`auto`: BCF for paths ending in .bcf, VCF otherwise.'),
    compression: z
      .enum(['auto', 'none', 'bgzf'])
      .default('auto')
      .describe(
        '`auto`: BGZF for BCF (`bcftools view -Ob`) and for paths ending in .gz or .bgz, plain otherwise.',
      ),
    index: z
      .enum(['auto', 'tbi', 'csi', 'none'])
      .default('auto')
      .describe('`auto`: .tbi beside a BGZF file (.csi when positions pass 2^29), none for plain or stdout.'),
  }),
  inputs: { in: ['vcf-record', 'prediction', 'sequence'] },
  output: null,
  async run(ctx) {
    const { path, info } = ctx.params;
    const bcf = ctx.params.format === 'bcf' || (ctx.params.format === 'auto' && /\.bcf$/.test(path));
    const bgzf =
      ctx.params.compression === 'bgzf' ||
      (ctx.params.compression === 'auto' && (bcf || /\.(gz|bgz)$/.test(path)));
    const indexKind =
      ctx.params.index === 'auto' ? (bgzf && path !== '-' && !bcf ? 'auto' : 'none') : ctx.params.index;
    if (bcf && indexKind !== 'none')
      throw new Error(`vcf.write: index: ${indexKind} is for VCF; index a BCF with bcftools index`);
    if (indexKind !== 'none' && (!bgzf || path === '-')) {
      throw new Error(
        `vcf.write: index: ${indexKind} needs a BGZF file (a path ending in .gz, or compression: bgzf), not ${path === '-' ? 'stdout' : 'plain text'}`,
      );
    }
    const compressor = bgzf ? new BgzfCompressor() : undefined;
    const index = indexKind === 'none' ? undefined : new IndexBuilder();
    const output = openOutput(ctx, path, compressor);
    let infoFields: [string, string][] | undefined;
    let headerWritten = false;
    let offset = 0;
    const gathered = new LineGatherer();
    let count = 0;
    let encoder: ReturnType<typeof bcfEncoder> | undefined;
    try {
      for await (const items of inputBatches(ctx.inputs.in!)) {
        for (const item of items) {
          count++;
          const record = vcfRecordOf(item, count);
          let added: Record<string, string | number | undefined> | undefined = record.infoAdd;
          infoFields ??= Object.entries(info).filter(
            ([, field]) => (item as Record<string, unknown>)[field] !== undefined,
          );
          if (infoFields.length) {
            added = { ...added };
            for (const [key, field] of infoFields)
              added[key] = infoValue((item as Record<string, unknown>)[field]);
          }
          const line = added
            ? withAddedInfo(record.line, record.infoStart, record.infoEnd, added)
            : record.line;
          if (!headerWritten) {
            const header = withProvenance(
              record.header.withInfo(
                Object.keys(added ?? {}).map((key) => ({
                  id: key,
                  number: '1',
                  type: typeof added![key] === 'string' ? 'String' : 'Float',
                  description: `Added by genoflow${info[key] ? ` from field ${info[key]}` : ''}`,
                })),
              ),
              ctx.run,
              new Date(),
            );
            if (bcf) {
              encoder = bcfEncoder(headerFromText(header));
              await output.write(encoder.headerBytes);
            } else gathered.text(header);
            offset += Buffer.byteLength(header);
            headerWritten = true;
          }
          if (encoder) {
            try {
              encoder.add(line);
            } catch (err) {
              if (!(err instanceof VcfLineError)) throw err;
              throw new Error(
                `vcf.write: ${path}: record ${count} (${record.chrom}:${record.pos}): ${err.message}`,
              );
            }
            if (encoder.size >= WRITE_BATCH) await output.write(encoder.take());
            continue;
          }
          const bytes = line === record.line ? record.inputBytes : undefined;
          let length: number;
          if (bytes) {
            length = line.length + 1;
            gathered.bytes(bytes, record.inputStart, record.inputStart + length);
          } else {
            length = index ? Buffer.byteLength(line) + 1 : 0;
            gathered.text(`${line}\n`);
          }
          if (index) {
            const end = recordEnd(line, record.infoStart, record.infoEnd, record.pos, record.ref.length);
            index.add(record.chrom, record.pos - 1, end, offset, offset + length);
            offset += length;
          }
          if (gathered.size >= WRITE_BATCH) for (const chunk of gathered.take()) await output.write(chunk);
        }
      }
      for (const chunk of gathered.take()) await output.write(chunk);
      if (encoder?.size) await output.write(encoder.take());
      if (!headerWritten) ctx.log.warn(`vcf.write: no records came in, ${path} has no VCF header`);
      await output.commit();
    } catch (err) {
      await output.discard();
      throw err;
    }
    if (index && compressor) {
      const kind = indexKind === 'auto' ? (index.maxEnd > TBI_MAX_END ? 'csi' : 'tbi') : indexKind;
      if (kind !== 'tbi' && indexKind === 'auto') ctx.log.info(`positions pass 2^29: writing a .csi index`);
      const bytes = index.build(kind as 'tbi' | 'csi', (u) => compressor.virtualOffset(u));
      await writeBgzfFile(openOutput(ctx, `${path}.${kind}`), bytes);
    }
  },
});

/** The VCF record behind an incoming record: itself, or the `source` of a prediction or sequence. */
function vcfRecordOf(item: unknown, count: number): VcfRecord {
  if (item instanceof VcfRecord) return item;
  const source = (item as { source?: unknown } | null)?.source;
  if (source instanceof VcfRecord) return source;
  // A record that crossed a worker thread or the cache as plain data: rebuild it.
  for (const candidate of [source, item]) {
    const plain = candidate as {
      line?: unknown;
      header?: { text?: unknown };
      infoAdd?: VcfRecord['infoAdd'];
    } | null;
    if (plain && typeof plain.line === 'string' && typeof plain.header?.text === 'string') {
      const record = parseRecord(plain.line, headerFromText(plain.header.text), false);
      if (plain.infoAdd) record.infoAdd = plain.infoAdd;
      return record;
    }
  }
  throw new Error(
    `vcf.write: record ${count} carries no VCF record (expected a vcf-record, or a prediction or sequence whose source is one)`,
  );
}

function infoValue(value: unknown): string | number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** Writes a whole small buffer (an index) as a BGZF file. */
async function writeBgzfFile(output: Output, bytes: Buffer): Promise<void> {
  try {
    for (let at = 0; at < bytes.length; at += BLOCK_DATA_SIZE) {
      await output.write(bgzfBlockSync(bytes.subarray(at, at + BLOCK_DATA_SIZE)));
    }
    await output.write(EOF_BLOCK);
    await output.commit();
  } catch (err) {
    await output.discard();
    throw err;
  }
}
