import {
  batch,
  defineStage,
  inputBatches,
  openOutput,
  type SequenceRecord,
  z,
} from '../../src/plugin-api/index.js';

/** Reasons that differ only in quoted values (a contig name, the bases) are one kind. */
const kindOf = (reason: string) => reason.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N');

export const audit = defineStage({
  description:
    'Passes sequences through unchanged; counts those marked invalid (no sequence could be built), logs a summary by reason and can list them',
  params: z.strictObject({
    /** A TSV of the invalid records (`id`, `reason`), written when given. */
    rejects: z.string().optional(),
    /** What the summary calls an invalid record's fate downstream. */
    outcome: z.string().default('kept, marked invalid'),
  }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const rejects = ctx.params.rejects === undefined ? undefined : openOutput(ctx, ctx.params.rejects);
    const kinds = new Map<string, number>();
    let total = 0;
    let invalid = 0;
    let succeeded = false;
    try {
      if (rejects) await rejects.write('id\treason\n');
      for await (const records of inputBatches(ctx.inputs.in as AsyncIterable<SequenceRecord>)) {
        ctx.signal.throwIfAborted();
        total += records.length;
        let listed = '';
        for (const record of records) {
          if (record.invalid === undefined) continue;
          invalid++;
          const kind = kindOf(record.invalid);
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          if (rejects) listed += `${record.id}\t${record.invalid.replace(/[\t\n]/g, ' ')}\n`;
        }
        if (listed) await rejects!.write(listed);
        yield batch(records);
      }
      succeeded = true;
    } finally {
      if (rejects) await (succeeded ? rejects.commit() : rejects.discard());
    }
    if (invalid) ctx.progress.count('invalid', invalid);
    const reasons = [...kinds]
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => `${n} ${kind}`)
      .join('; ');
    ctx.log.info(
      `${invalid} of ${total} records invalid (${ctx.params.outcome})${reasons ? `: ${reasons}` : ''}`,
    );
  },
});
