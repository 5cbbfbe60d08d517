import { Readable } from 'node:stream';
import {
  type Batch,
  batch,
  decompressed,
  defineStage,
  displayName,
  inflateBgzf,
  isBgzf,
  openBytes,
  peekBytes,
  Rejects,
  z,
} from '../../src/plugin-api/index.js';
import { BCF_MAGIC } from './bcf-header.js';
import { bcfRecords } from './bcf-read.js';
import { HeaderDefect, parseHeader, type VcfHeader } from './header.js';
import { VcfLineError } from './line-error.js';
import { lineBlocks } from './lines.js';
import { parseRecord, type VcfRecord } from './record.js';
import { openRegions } from './regions.js';

export const read = defineStage({
  description:
    'VCF records of a plain or bgzipped VCF or BCF file or stdin (-); regions through its .tbi/.csi index',
  params: z.strictObject({
    path: z.string(),
    /** `chr1`, `chr1:1000-2000` (1-based, inclusive) or a list of them; needs a .tbi or .csi index. */
    regions: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    'on-invalid': z.enum(['error', 'skip']).default('error'),
    /** File that receives each skipped line (default `<scratch>/rejects.txt`). */
    rejects: z.string().optional(),
    /** Check every line as bcftools does (sample columns, GT, numeric FORMAT values). */
    strict: z.boolean().default(true),
  }),
  inputs: {},
  output: 'vcf-record',
  inputFiles: (p) => ({ path: p.path }),
  async *run(ctx): AsyncGenerator<VcfRecord | Batch<VcfRecord>> {
    const { path, strict } = ctx.params;
    const name = displayName(path);
    const skip = ctx.params['on-invalid'] === 'skip';
    const rejects = new Rejects(ctx, ctx.params.rejects);

    /** A line that failed to parse: fails the stage or, when skipping, goes to the rejects. */
    async function reject(err: unknown, line: string, where: string): Promise<void> {
      if (!(err instanceof VcfLineError)) throw err;
      if (!skip) throw new Error(`${where}: ${err.message}`);
      await rejects.add(line, where, err.message);
    }

    async function header(lines: string[], firstLineNumber: number): Promise<VcfHeader> {
      const defects: HeaderDefect[] = [];
      try {
        const parsed = parseHeader(lines, firstLineNumber, skip ? (d) => defects.push(d) : undefined);
        for (const d of defects) await rejects.add(d.line, `${name}:${d.lineNumber}`, d.message);
        return parsed;
      } catch (err) {
        if (err instanceof HeaderDefect) throw new Error(`${name}:${err.lineNumber}: ${err.message}`);
        throw err;
      }
    }

    let succeeded = false;
    try {
      if (ctx.params.regions !== undefined) {
        if (path.endsWith('.bcf'))
          throw new Error(
            `${name}: regions of a BCF are not read here, expected a .vcf.gz with a .tbi/.csi (or: bcftools view -r REGION ${path} | ...)`,
          );
        const regions = typeof ctx.params.regions === 'string' ? [ctx.params.regions] : ctx.params.regions;
        const query = await openRegions(ctx, path, regions);
        const headerLines = query.headerText.split('\n').filter((l) => l !== '');
        const parsedHeader = await header(headerLines, 1);
        for await (const lines of query.lines) {
          const records: VcfRecord[] = [];
          for (const { line, where } of lines) {
            try {
              records.push(parseRecord(line, parsedHeader, strict));
            } catch (err) {
              await reject(err, line, where);
            }
          }
          if (records.length) yield batch(records);
        }
      } else {
        // BGZF (bgzip, bcftools -Ob) inflates in parallel, its errors saying the byte; plain gzip as gzip.
        const raw = await peekBytes(openBytes(ctx, path), 18);
        const bytes = isBgzf(raw.head)
          ? inflateBgzf(raw.all, name)
          : decompressed(Readable.from(raw.all), name);
        const { head, all } = await peekBytes(bytes, BCF_MAGIC.length);
        if (head.subarray(0, BCF_MAGIC.length).equals(BCF_MAGIC)) {
          for await (const records of bcfRecords(all, name)) {
            ctx.signal.throwIfAborted();
            yield batch(records);
          }
          succeeded = true;
          return;
        }
        const headerLines: string[] = [];
        let parsedHeader: VcfHeader | undefined;
        let lineNumber = 0;
        const blocks = lineBlocks(all);
        for (;;) {
          const next = await blocks.next().catch((err: Error) => {
            // a truncated or corrupt .gz: say how far the whole lines went
            throw lineNumber ? new Error(`${err.message}, after line ${lineNumber}`) : err;
          });
          if (next.done) break;
          const { lines, bytes } = next.value;
          ctx.signal.throwIfAborted();
          const records: VcfRecord[] = [];
          let start = 0;
          for (const line of lines) {
            lineNumber++;
            const lineStart = start;
            start += line.length + 1;
            if (!parsedHeader) {
              if (line.startsWith('#')) {
                headerLines.push(line);
                if (line.startsWith('#CHROM')) parsedHeader = await header(headerLines, 1);
                continue;
              }
              // A record before any #CHROM line: parseHeader says what is missing.
              parsedHeader = await header(headerLines, 1);
            }
            if (line === '') continue;
            try {
              const record = parseRecord(line, parsedHeader, strict);
              if (bytes) record.keepSource(bytes, lineStart);
              records.push(record);
            } catch (err) {
              await reject(err, line, `${name}:${lineNumber}`);
            }
          }
          if (records.length) yield batch(records);
        }
        if (!parsedHeader) {
          if (!headerLines.length) throw new Error(`${name}: empty input, expected a VCF header`);
          await header(headerLines, 1);
        }
      }
      succeeded = true;
    } finally {
      await rejects.close(succeeded);
    }
  },
});
