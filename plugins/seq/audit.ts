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
    rejects: z
      .string()
      .optional()
      .describe('A TSV of the invalid records (`id`, `reason`), written when given.'),
    outcome: z
      .string()
      .default('kept, marked invalid')
      .describe("What the summary calls an invalid record's fate downstream."),
    /**
     * The most invalid records the stage lets through: a count, or a share like `5%`.
     * Default: all but one, so a run where no record is usable (a wrong genome build) fails;
     * `100%` never fails.
     */
    'max-invalid': z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?%$/)]).optional(),
  }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const rejects = ctx.params.rejects === undefined ? undefined : openOutput(ctx, ctx.params.rejects);
    const kinds = new Map<string, number>();
    /** The first record of each kind, with its real values (kinds hide them). */
    const firsts = new Map<string, string>();
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
          if (!firsts.has(kind)) firsts.set(kind, `${record.id}: ${record.invalid}`);
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
    const sorted = [...kinds].sort((a, b) => b[1] - a[1]);
    const reasons = sorted.map(([kind, n]) => `${n} ${kind} (first: ${firsts.get(kind)})`).join('; ');
    const summary = `${invalid} of ${total} records invalid (${ctx.params.outcome})${reasons ? `: ${reasons}` : ''}`;
    const limit = ctx.params['max-invalid'];
    const allowed =
      limit === undefined
        ? total - 1
        : typeof limit === 'number'
          ? limit
          : (Number.parseFloat(limit) / 100) * total;
    if (invalid > allowed) {
      throw new Error(
        `${summary}; expected ${limit === undefined ? 'at least one valid record' : `at most ${limit} invalid`} (set max-invalid: 100% to let them all through)`,
      );
    }
    ctx.log.info(summary);
  },
});
