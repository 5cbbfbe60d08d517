import {
  defineStage,
  displayName,
  Rejects,
  readLineBatches,
  type SequenceRecord,
  z,
} from '../../src/plugin-api/index.js';
import { parseSequences } from './sequence-parser.js';

/** A FASTA/FASTQ record: the header's rest and the FASTQ qualities ride along. */
export interface ReadRecord extends SequenceRecord {
  description?: string;
  qual?: string;
}

export const read = defineStage({
  description: 'FASTA or FASTQ records (detected by > or @) of a plain, gzip or bgzip file, or stdin (-)',
  params: z.strictObject({
    path: z.string(),
    /** A constant class label given to every record. */
    label: z.string().optional(),
    'on-invalid': z.enum(['error', 'skip']).default('error'),
    /** File that receives the raw lines of skipped records. */
    rejects: z.string().optional(),
  }),
  inputs: {},
  output: 'sequence',
  async *run(ctx) {
    const { path, label } = ctx.params;
    const name = displayName(path);
    const skip = ctx.params['on-invalid'] === 'skip';
    const rejects = new Rejects(ctx, ctx.params.rejects);
    let succeeded = false;
    try {
      for await (const events of parseSequences(readLineBatches(ctx, path))) {
        ctx.signal.throwIfAborted();
        for (const event of events) {
          if ('rejection' in event) {
            const { line, reason, lines } = event.rejection;
            if (!skip) throw new Error(`${name}:${line}: ${reason}`);
            await rejects.add(lines, `${name}:${line}`, reason);
            continue;
          }
          const { id, description, seq, qual } = event.record;
          const record: ReadRecord = { id, seq };
          if (description) record.description = description;
          if (qual !== undefined) record.qual = qual;
          if (label !== undefined) record.label = label;
          yield record;
        }
      }
      succeeded = true;
    } finally {
      await rejects.close(succeeded);
    }
  },
});
