import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import {
  BgzfFile,
  batch,
  defineStage,
  displayName,
  type Output,
  openBytes,
  openOutput,
  type StageContext,
  z,
} from '../../src/plugin-api/index.js';
import { readBamIndex } from './bam-index.js';
import { parseFlags } from './flags.js';
import { type BamHeader, headerFromSamText, parseBamHeader } from './header.js';
import { openAlignments } from './input.js';
import type { BamRecord } from './record.js';
import { parseRegion } from './region.js';
import { positionedReader, recordsInRegion } from './region-query.js';
import { encodeSamLine } from './sam-encode.js';

const flagMask = z.union([z.number(), z.string()]).refine(
  (v) => {
    try {
      parseFlags(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a flag mask: a number, 0x hex, or names like UNMAP,SECONDARY' },
);

const params = z.strictObject({
  path: z.string().describe('BAM or SAM (plain, gzipped or bgzipped) file, or `-` for stdin.'),
  regions: z
    .union([z.string(), z.array(z.string())])
    .default([])
    .describe('samtools-style regions (`chr17`, `chr17:100-200`); needs a .bai or .csi beside the BAM.'),
  'require-flags': flagMask.default(0).describe('Keep only records with all these flags (samtools -f).'),
  'exclude-flags': flagMask.default(0).describe('Drop records with any of these flags (samtools -F).'),
  'min-mapq': z
    .number()
    .int()
    .min(0)
    .max(255)
    .default(0)
    .describe('Drop records with a lower MAPQ (samtools -q).'),
  'on-invalid': z
    .enum(['error', 'skip'])
    .default('error')
    .describe('What to do with a malformed record: stop with an error, or skip and count it.'),
  rejects: z
    .string()
    .optional()
    .describe('Where skipped records go: the SAM line (SAM input) or `record N<TAB>reason` (BAM input).'),
});
type Params = z.infer<typeof params>;

/** Decides which records pass the samtools-style filters. */
function recordFilter(p: Params): (record: BamRecord) => boolean {
  const require = parseFlags(p['require-flags']);
  const exclude = parseFlags(p['exclude-flags']);
  const minMapq = p['min-mapq'];
  return (record) => {
    const flag = record.flag;
    return (flag & require) === require && (flag & exclude) === 0 && record.mapq >= minMapq;
  };
}

/** Counts, logs and stores rejected records; rethrows when `on-invalid` is `error`. */
function rejecter(ctx: StageContext<Params>): {
  reject(where: string, what: string, original: string): Promise<void>;
  close(): Promise<void>;
} {
  let out: Output | undefined;
  return {
    async reject(where, what, original) {
      if (ctx.params['on-invalid'] === 'error') throw new Error(`${where}: ${what}`);
      ctx.progress.count('rejected');
      ctx.log.warn(`${where}: ${what} (skipped)`);
      if (ctx.params.rejects) {
        out ??= openOutput(ctx, ctx.params.rejects);
        await out.write(`${original}\n`);
      }
    },
    async close() {
      await out?.commit();
    },
  };
}

function indexPathOf(path: string): string {
  for (const candidate of [`${path}.bai`, `${path}.csi`, path.replace(/\.bam$/, '.bai')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${path}: regions need a .bai or .csi index beside the BAM (samtools index ${path})`);
}

/** Record batches of the regions, through the BAM's index, in the order the regions are given. */
async function* regionBatches(ctx: StageContext<Params>, regions: string[]): AsyncGenerator<BamRecord[]> {
  const { path } = ctx.params;
  if (path === '-') throw new Error('<stdin>: regions need an indexed BAM file, not stdin');
  const file = ctx.resolvePath(path);
  const indexPath = indexPathOf(file);
  ctx.declareInputFile(file);
  ctx.declareInputFile(indexPath);
  const handle = await open(file);
  try {
    const head = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (head.buffer.toString('latin1', 0, 4) === 'CRAM')
      throw new Error(`${path}: CRAM is not supported: convert with samtools view -b`);
    const bgzf = new BgzfFile(positionedReader(handle), path);
    const header = await readHeader(bgzf, path);
    const index = await readBamIndex(indexPath);
    for (const text of regions) {
      const region = parseRegion(text, header);
      yield* recordsInRegion(bgzf, index, header, region, path);
    }
  } finally {
    await handle.close();
  }
}

async function readHeader(file: BgzfFile, name: string): Promise<BamHeader> {
  let buf = Buffer.alloc(0);
  for (let at = 0; ; ) {
    const block = await file.block(at);
    if (!block.data.length) throw new Error(`${name}: BAM header is incomplete, the file is truncated`);
    buf = Buffer.concat([buf, block.data]);
    const parsed = parseBamHeader(buf, name);
    if (parsed) return parsed.header;
    at = block.next;
  }
}

/** SAM text lines as record batches: header lines first, then one record per line. */
async function* samBatches(
  ctx: StageContext<Params>,
  lines: AsyncGenerator<string[]>,
  name: string,
  rejects: ReturnType<typeof rejecter>,
): AsyncGenerator<BamRecord[]> {
  const headerLines: string[] = [];
  let header: BamHeader | undefined;
  let lineNumber = 0;
  for await (const chunk of lines) {
    const records: BamRecord[] = [];
    for (const line of chunk) {
      lineNumber++;
      if (!header) {
        if (line.startsWith('@')) {
          headerLines.push(line);
          continue;
        }
        header = headerFromSamText(headerLines);
      }
      if (line === '') continue;
      try {
        records.push(encodeSamLine(line, header));
      } catch (err) {
        await rejects.reject(`${name}:${lineNumber}`, (err as Error).message, line);
      }
    }
    ctx.signal.throwIfAborted();
    if (records.length) yield records;
  }
}

export const read = defineStage({
  description:
    'Alignments of a BAM or SAM file or stdin (-), whole or by indexed regions, with samtools view filters',
  params,
  inputs: {},
  inputFiles: (p: Params) => ({ path: p.path }),
  output: 'bam-record',
  async *run(ctx: StageContext<Params>) {
    const { path } = ctx.params;
    const name = displayName(path);
    const keep = recordFilter(ctx.params);
    const rejects = rejecter(ctx);
    const regions = typeof ctx.params.regions === 'string' ? [ctx.params.regions] : ctx.params.regions;
    let batches: AsyncIterable<BamRecord[]>;
    if (regions.length) batches = regionBatches(ctx, regions);
    else {
      const source = await openAlignments(openBytes(ctx, path), name);
      batches = source.kind === 'bam' ? source.batches : samBatches(ctx, source.lines, name, rejects);
    }
    let index = 0;
    for await (const records of batches) {
      ctx.signal.throwIfAborted();
      // the batch goes on as it came unless a record is dropped; then the kept ones are copied
      let kept: BamRecord[] | undefined;
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        index++;
        const problem = record.layoutError();
        if (problem === undefined && keep(record)) {
          kept?.push(record);
          continue;
        }
        kept ??= records.slice(0, i);
        if (problem !== undefined) {
          await rejects.reject(`${name}: record ${index}`, problem, `record ${index}\t${problem}`);
        }
      }
      const out = kept ?? records;
      if (out.length) yield batch(out);
    }
    await rejects.close();
  },
});
