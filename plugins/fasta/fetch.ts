import { defineStage, readLineBatches, type SequenceRecord, z } from '../../src/plugin-api/index.js';
import { openReference } from './reference.js';
import { parseRegion } from './region.js';

export const fetch = defineStage({
  description: 'Regions of an indexed FASTA (plain + .fai or bgzip + .fai + .gzi), like samtools faidx',
  params: z
    .strictObject({
      reference: z.string(),
      /** `chr:start-end` (1-based, inclusive) or `chr`, as samtools faidx takes them. */
      regions: z.array(z.string()).optional(),
      /** A file with one region per line (samtools faidx -r). */
      'regions-file': z.string().optional(),
    })
    .refine((p) => (p.regions === undefined) !== (p['regions-file'] === undefined), {
      message: "give exactly one of 'regions' or 'regions-file'",
    }),
  inputs: {},
  inputFiles: (p) => ({ reference: p.reference, 'regions-file': p['regions-file'] }),
  output: 'sequence',
  async *run(ctx) {
    const reference = await openReference(ctx, ctx.params.reference);
    try {
      for await (const batch of regionBatches(ctx)) {
        ctx.signal.throwIfAborted();
        for (const { text, where } of batch) {
          const { id, chrom, start, end } = parseRegion(text, reference.lengths, where);
          const seq = await reference.fetch(chrom, start, end);
          yield { id, seq, chrom, start, end } satisfies SequenceRecord;
        }
      }
    } finally {
      await reference.close();
    }
  },
});

type FetchContext = Parameters<typeof fetch.run>[0];

/** The regions to fetch, each with where it was written (for error messages). */
async function* regionBatches(ctx: FetchContext): AsyncGenerator<Array<{ text: string; where: string }>> {
  const { regions } = ctx.params;
  const file = ctx.params['regions-file'];
  if (regions) {
    yield regions.map((text, i) => ({ text, where: `regions[${i}]` }));
    return;
  }
  let lineNo = 0;
  for await (const lines of readLineBatches(ctx, file!)) {
    const batch: Array<{ text: string; where: string }> = [];
    for (const line of lines) {
      lineNo++;
      if (line.trim() !== '') batch.push({ text: line, where: `${file}:${lineNo}` });
    }
    yield batch;
  }
}
