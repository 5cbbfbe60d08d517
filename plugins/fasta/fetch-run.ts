import type { StageContext } from '../../src/plugin-api/index.js';
import { readLineBatches, type SequenceRecord } from '../../src/plugin-api/index.js';
import type { FetchParams } from './fetch.js';
import { openReference } from './reference.js';
import { parseRegion } from './region.js';

export async function* run(ctx: StageContext<FetchParams>) {
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
}

type FetchContext = StageContext<FetchParams>;

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
