import { defineStage, inputBatches, z } from '../../src/plugin-api/index.js';
import { AlignmentStats, type AlignmentSummary } from './alignment-stats.js';
import type { BamRecord } from './record.js';

/** One summary record of the alignments it reads: the core of samtools stats' SN section. */
export const stats = defineStage({
  description:
    'Summary of alignments like samtools stats SN: reads, mapped, bases, mean base quality, GC fraction',
  params: z.strictObject({}),
  inputs: { in: 'bam-record' },
  output: 'record',
  async *run(ctx): AsyncGenerator<AlignmentSummary> {
    const totals = new AlignmentStats();
    for await (const records of inputBatches(ctx.inputs.in as AsyncIterable<BamRecord>)) {
      ctx.signal.throwIfAborted();
      for (const record of records) totals.add(record);
    }
    yield totals.summary();
  },
});
