import { defineStage, inputBatches, writeOutput, z } from '../../src/plugin-api/index.js';

const plain = (value: unknown) =>
  ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value;

/** A TSV cell: numbers and strings as they are, typed arrays and objects as JSON. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NA';
  if (typeof value !== 'object') return String(value).replace(/[\t\n]/g, ' ');
  return JSON.stringify(plain(value), (_, v) => plain(v));
}

export const write = defineStage({
  description: 'Writes records as TSV with a header line, or as JSON Lines, to a file or stdout (-)',
  params: z.strictObject({
    path: z.string(),
    format: z.enum(['tsv', 'jsonl']).default('tsv'),
    columns: z
      .array(z.string())
      .optional()
      .describe('Picks and orders fields; by default the fields of the first record.'),
  }),
  inputs: { in: 'any' },
  output: null,
  async run(ctx) {
    const { format } = ctx.params;
    let columns = ctx.params.columns;
    async function* lines(): AsyncGenerator<string> {
      if (format === 'tsv' && columns) yield `${columns.join('\t')}\n`;
      for await (const records of inputBatches(ctx.inputs.in!)) {
        let chunk = '';
        for (const record of records) {
          const fields = (
            record !== null && typeof record === 'object' ? record : { value: record }
          ) as Record<string, unknown>;
          if (!columns) {
            columns = Object.keys(fields).filter((k) => typeof fields[k] !== 'function');
            if (format === 'tsv') chunk += `${columns.join('\t')}\n`;
          }
          chunk +=
            format === 'jsonl'
              ? `${JSON.stringify(Object.fromEntries(columns.map((c) => [c, fields[c]])), (_, v) => plain(v))}\n`
              : `${columns.map((c) => cell(fields[c])).join('\t')}\n`;
        }
        yield chunk;
      }
    }
    await writeOutput(ctx, ctx.params.path, lines());
  },
});
