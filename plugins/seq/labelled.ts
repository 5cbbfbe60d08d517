import { defineStage, Rejects, z } from '../../src/plugin-api/index.js';
import { fastaRecords } from './fasta-source.js';
import type { LabelledEvent } from './labelled-events.js';
import { tableRecords } from './table-source.js';

const column = z.union([z.string(), z.number().int().nonnegative()]);

export const labelled = defineStage({
  description: 'Labelled sequences from a TSV/CSV table, or from one FASTA file per class',
  params: z
    .strictObject({
      path: z.string().optional().describe('A TSV/CSV table with a sequence and a label column.'),
      format: z.enum(['auto', 'tsv', 'csv']).default('auto'),
      header: z
        .enum(['auto', 'yes', 'no'])
        .default('auto')
        .describe(
          'Whether the first row names the columns; `auto` decides from the columns given and the row.',
        ),
      /** Columns by header name or 0-based index. */
      'sequence-column': column.default('sequence'),
      'label-column': column.default('label'),
      'id-column': column.optional(),
      where: z
        .string()
        .regex(/^$|^[^=]+=/, 'COLUMN=VALUE, e.g. task=splice (empty: every row)')
        .optional()
        .describe(
          'Keep only the table rows whose COLUMN (a header name) equals VALUE, e.g. `task=splice`; empty keeps every row.',
        ),
      classes: z
        .record(z.string(), z.string())
        .optional()
        .describe(
          'One FASTA per class, e.g. `{ promoter: prom.fa, other: non_prom.fa }`: the key is the label.',
        ),
      uppercase: z
        .boolean()
        .default(true)
        .describe('Upper-case the bases (soft-masked or lower-case sets become one alphabet).'),
      'on-invalid': z.enum(['error', 'skip']).default('error'),
      rejects: z.string().optional(),
    })
    .refine((p) => (p.path === undefined) !== (p.classes === undefined), {
      message: "give exactly one of 'path' (a table) or 'classes' (one FASTA per class)",
    })
    .refine((p) => !p.where || p.path !== undefined, {
      message: "'where' filters the rows of a table ('path'), not FASTA classes",
    }),
  inputs: {},
  inputFiles: (p) => ({ path: p.path, classes: Object.values(p.classes ?? {}) }),
  output: 'sequence',
  async *run(ctx) {
    const { params } = ctx;
    const skip = params['on-invalid'] === 'skip';
    const rejects = new Rejects(ctx, params.rejects);
    const counts = new Map<string, number>();
    let succeeded = false;
    try {
      for await (const events of sources()) {
        ctx.signal.throwIfAborted();
        for (const event of events) {
          if ('rejection' in event) {
            const { where, reason, lines } = event.rejection;
            if (!skip) throw new Error(`${where}: ${reason}`);
            await rejects.add(lines, where, reason);
            continue;
          }
          const label = event.record.label!;
          counts.set(label, (counts.get(label) ?? 0) + 1);
          yield event.record;
        }
      }
      succeeded = true;
    } finally {
      await rejects.close(succeeded);
    }
    for (const [label, n] of counts) ctx.progress.count(`class:${label}`, n);
    const summary = [...counts].map(([label, n]) => `${label} ${n}`).join(', ');
    ctx.log.info(`class counts: ${summary || 'no records'}`);

    async function* sources(): AsyncGenerator<LabelledEvent[]> {
      if (params.classes) {
        for (const [label, path] of Object.entries(params.classes)) {
          yield* fastaRecords(ctx, path, label, params.uppercase);
        }
        return;
      }
      yield* tableRecords(ctx, {
        path: params.path!,
        format: params.format,
        header: params.header,
        sequence: params['sequence-column'],
        label: params['label-column'],
        id: params['id-column'],
        where: params.where ? whereFilter(params.where) : undefined,
        uppercase: params.uppercase,
      });
    }
  },
});

/** `task=splice` → column `task`, value `splice` (the first `=` splits; the value may hold more). */
function whereFilter(where: string): { column: string; value: string } {
  const at = where.indexOf('=');
  return { column: where.slice(0, at).trim(), value: where.slice(at + 1).trim() };
}
