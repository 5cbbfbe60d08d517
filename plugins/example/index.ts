/**
 * A minimal genoflow plugin, written as a third party would: against the public plugin API
 * only. `example.gc` gives the length and GC content of each sequence.
 */
import {
  batch,
  definePlugin,
  defineStage,
  inputBatches,
  type SequenceRecord,
  z,
} from '../../src/plugin-api/index.js';

/** Port `record` out: one sequence's composition. */
export interface GcRecord {
  id: string;
  length: number;
  /** G+C over A, C, G, T (N and other codes are left out); NaN when there are none. */
  gc: number;
}

const gc = defineStage({
  description: 'Length and GC fraction of each sequence',
  params: z.strictObject({
    'min-length': z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Sequences shorter than this are dropped (and counted as `short`).'),
  }),
  inputs: { in: 'sequence' },
  output: 'record',
  async *run(ctx) {
    const minLength = ctx.params['min-length'];
    let short = 0;
    // Whole arrays of records at a time: the fast path between stages.
    for await (const records of inputBatches(ctx.inputs.in as AsyncIterable<SequenceRecord>)) {
      ctx.signal.throwIfAborted();
      const out: GcRecord[] = [];
      for (const { id, seq } of records) {
        if (seq.length < minLength) {
          short++;
          continue;
        }
        out.push({ id, length: seq.length, gc: gcFraction(seq) });
      }
      yield batch(out);
    }
    if (short) ctx.progress.count('short', short);
    ctx.log.info(`dropped ${short} sequences shorter than ${minLength}`);
  },
});

function gcFraction(seq: string): number {
  let gcBases = 0;
  let acgt = 0;
  for (const base of seq.toUpperCase()) {
    if (base === 'G' || base === 'C') gcBases++;
    if ('ACGT'.includes(base)) acgt++;
  }
  return acgt ? gcBases / acgt : Number.NaN;
}

export default definePlugin({
  name: 'example',
  version: '1.0.0',
  description: 'A minimal example plugin: GC content of sequences',
  stages: { gc },
});
