import {
  batch,
  decompressed,
  defineStage,
  displayName,
  type FastaRecord,
  type FastaRejection,
  fastaBlock,
  fastaRecords,
  lineBatches,
  openBytes,
  Rejects,
  z,
} from '../../src/plugin-api/index.js';
import { fastaBlocks } from './fasta-blocks.js';
import { parseFastq } from './fastq-parser.js';

/** A FASTA/FASTQ record: the header's rest and the FASTQ qualities ride along. */
export interface ReadRecord extends FastaRecord {
  qual?: string;
}

export const read = defineStage({
  description: 'FASTA or FASTQ records (detected by > or @) of a plain, gzip or bgzip file, or stdin (-)',
  params: z.strictObject({
    path: z.string(),
    label: z.string().optional().describe('A constant class label given to every record.'),
    'on-invalid': z.enum(['error', 'skip']).default('error'),
    rejects: z.string().optional().describe('File that receives the raw lines of skipped records.'),
  }),
  inputs: {},
  inputFiles: (p) => ({ path: p.path }),
  output: 'sequence',
  async *run(ctx) {
    const { path, label } = ctx.params;
    const name = displayName(path);
    const skip = ctx.params['on-invalid'] === 'skip';
    const rejects = new Rejects(ctx, ctx.params.rejects);
    const reject = async ({ line, reason, lines }: FastaRejection) => {
      if (!skip) throw new Error(`${name}:${line}: ${reason}`);
      await rejects.add(lines, `${name}:${line}`, reason);
    };
    let succeeded = false;
    try {
      const { format, bytes, empty } = await detectFormat(decompressed(openBytes(ctx, path), name));
      // No record is not an error (a filter may leave none), but it must not pass unsaid.
      if (empty)
        ctx.log.warn(`${name}: empty input (no bytes but white space), expected FASTA or FASTQ records`);
      if (format === 'fastq') {
        for await (const events of parseFastq(lineBatches(bytes))) {
          ctx.signal.throwIfAborted();
          const records: ReadRecord[] = [];
          for (const event of events) {
            if ('rejection' in event) await reject(event.rejection);
            else records.push(label === undefined ? event.record : { ...event.record, label });
          }
          yield batch(records);
        }
      } else {
        for await (const text of fastaBlocks(bytes, name, label)) {
          ctx.signal.throwIfAborted();
          // Strict: records are parsed (and checked) where they are used, maybe in a worker.
          if (!skip) {
            yield fastaBlock(text);
            continue;
          }
          const rejections: FastaRejection[] = [];
          const records = fastaRecords(text, (rejection) => rejections.push(rejection));
          for (const rejection of rejections) await reject(rejection);
          yield batch(records);
        }
      }
      succeeded = true;
    } finally {
      await rejects.close(succeeded);
    }
  },
});

/** FASTQ when the first byte that is not white space is `@`, FASTA otherwise (`empty` when there is none); the bytes are all kept. */
async function detectFormat(
  source: AsyncIterable<Buffer>,
): Promise<{ format: 'fasta' | 'fastq'; bytes: AsyncIterable<Buffer>; empty: boolean }> {
  const chunks = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let first: number | undefined;
  while (first === undefined) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
    first = next.value.find((byte) => byte !== 10 && byte !== 13 && byte !== 32 && byte !== 9);
  }
  async function* bytes(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  return { format: first === 64 /* @ */ ? 'fastq' : 'fasta', bytes: bytes(), empty: first === undefined };
}
