import { defineStage, type SequenceRecord, z } from '../../src/plugin-api/index.js';

/** The part of a `vcf-record` (or any source) this stage reads: its parsed INFO. */
interface WithInfo {
  info?: Record<string, unknown>;
}

export const label = defineStage({
  description:
    'Labels sequences from a field of their source record (e.g. VCF INFO/CLNSIG) through a value -> label map; drops and counts the rest',
  params: z.strictObject({
    field: z.string().min(1).describe("The INFO key of the record's `source` (e.g. `CLNSIG`)."),
    map: z
      .record(z.string(), z.string().min(1))
      .describe(
        'Source value -> label, e.g. `{ Pathogenic: pathogenic, Likely_benign: benign }`; values not listed are dropped.',
      ),
  }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const { field, map } = ctx.params;
    const lookup = new Map(Object.entries(map));
    const dropped = { invalid: 0, missing: 0, unmapped: 0, conflicting: 0 };
    const kept = new Map<string, number>();
    for await (const item of ctx.inputs.in!) {
      ctx.signal.throwIfAborted();
      const record = item as SequenceRecord;
      if (record.invalid !== undefined) {
        dropped.invalid++;
        continue;
      }
      const value = ((record.source ?? {}) as WithInfo).info?.[field];
      if (value === undefined || value === null) {
        dropped.missing++;
        continue;
      }
      // A multi-valued field (Number=.) is labelled only when all its values agree.
      const labels = new Set((Array.isArray(value) ? value : [value]).map((v) => lookup.get(String(v))));
      if (labels.has(undefined)) {
        dropped.unmapped++;
        continue;
      }
      if (labels.size !== 1) {
        dropped.conflicting++;
        continue;
      }
      const name = [...labels][0]!;
      kept.set(name, (kept.get(name) ?? 0) + 1);
      yield { ...record, label: name };
    }
    for (const [reason, n] of Object.entries(dropped)) if (n) ctx.progress.count(`dropped-${reason}`, n);
    const classes = [...kept].map(([name, n]) => `${name} ${n}`).join(', ') || 'none';
    const reasons = Object.entries(dropped)
      .filter(([, n]) => n)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    ctx.log.info(`labelled by ${field}: ${classes}; dropped: ${reasons || 'none'}`);
  },
});
