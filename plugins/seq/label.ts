import { defineStage, type SequenceRecord, z } from '../../src/plugin-api/index.js';

/** The part of a `vcf-record` (or any source) this stage reads: its parsed INFO. */
interface WithInfo {
  info?: Record<string, unknown>;
}

type DropReason = 'invalid' | 'missing' | 'unmapped' | 'conflicting';

const why: Record<DropReason, (field: string) => string> = {
  invalid: () => 'no sequence could be built',
  missing: (field) => `no ${field} in INFO; record ids`,
  unmapped: (field) => `${field} value not in the map`,
  conflicting: (field) => `${field} values mapped to different labels`,
};

/** One reason's audit: its count and its most frequent real values (record ids when the field is missing). */
function auditLine(field: string, reason: DropReason, values: Map<string, number>): string {
  const shown = 8;
  const sorted = reason === 'missing' ? [...values] : [...values].sort((a, b) => b[1] - a[1]);
  const n = [...values.values()].reduce((a, c) => a + c, 0);
  const listed = sorted
    .slice(0, shown)
    .map(([value, count]) => (reason === 'missing' ? value : `${value} ×${count}`))
    .join(', ');
  const more = sorted.length > shown ? `, and ${sorted.length - shown} more` : '';
  return `dropped ${n} ${reason} (${why[reason](field)}): ${listed}${more}`;
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
    /** Per reason: how many, and the real values (or records) behind them. */
    const dropped = new Map<DropReason, Map<string, number>>();
    const drop = (reason: DropReason, value: string) => {
      let values = dropped.get(reason);
      if (!values) dropped.set(reason, (values = new Map()));
      values.set(value, (values.get(value) ?? 0) + 1);
    };
    const kept = new Map<string, number>();
    for await (const item of ctx.inputs.in!) {
      ctx.signal.throwIfAborted();
      const record = item as SequenceRecord;
      if (record.invalid !== undefined) {
        drop('invalid', record.invalid);
        continue;
      }
      const value = ((record.source ?? {}) as WithInfo).info?.[field];
      if (value === undefined || value === null) {
        drop('missing', record.id);
        continue;
      }
      // A multi-valued field (Number=.) is labelled only when all its values agree.
      const values = (Array.isArray(value) ? value : [value]).map(String);
      const labels = new Set(values.map((v) => lookup.get(v)));
      if (labels.has(undefined)) {
        drop('unmapped', values.join(','));
        continue;
      }
      if (labels.size !== 1) {
        drop('conflicting', values.join(','));
        continue;
      }
      const name = [...labels][0]!;
      kept.set(name, (kept.get(name) ?? 0) + 1);
      yield { ...record, label: name };
    }
    const total = (values: Map<string, number>) => [...values.values()].reduce((a, n) => a + n, 0);
    for (const [reason, values] of dropped) ctx.progress.count(`dropped-${reason}`, total(values));
    const classes = [...kept].map(([name, n]) => `${name} ${n}`).join(', ') || 'none';
    const reasons = [...dropped].map(([reason, values]) => `${reason} ${total(values)}`).join(', ');
    ctx.log.info(`labelled by ${field}: ${classes}; dropped: ${reasons || 'none'}`);
    for (const [reason, values] of dropped) ctx.log.info(auditLine(field, reason, values));
  },
});
