import {
  batch,
  type Delimiter,
  defineStage,
  detectFormat,
  Rejects,
  readLineBatches,
  splitRow,
  z,
} from '../../src/plugin-api/index.js';

/** A cell that reads as a finite decimal number becomes a number. */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export const read = defineStage({
  description: 'Rows of a TSV/CSV file (or stdin) with a header line, as records keyed by column name',
  params: z.strictObject({
    path: z.string(),
    format: z
      .enum(['auto', 'tsv', 'csv'])
      .default('auto')
      .describe("`auto`: by extension (.tsv/.csv), else by the header line's separators."),
    numbers: z
      .boolean()
      .default(true)
      .describe('Cells that read as numbers become numbers; `false` keeps every cell a string.'),
    comment: z
      .string()
      .min(1)
      .default('#')
      .describe('Lines starting with this are skipped (before and after the header).'),
    'on-invalid': z
      .enum(['error', 'skip'])
      .default('error')
      .describe('A row with the wrong number of cells fails the run, or is skipped and counted.'),
    rejects: z.string().optional().describe('Where skipped rows go (with `on-invalid: skip`).'),
  }),
  inputs: {},
  output: 'record',
  async *run(ctx) {
    const { path, numbers, comment } = ctx.params;
    const name = path === '-' ? '<stdin>' : path;
    const rejects = new Rejects(ctx, ctx.params.rejects);
    let format: Delimiter | undefined = ctx.params.format === 'auto' ? undefined : ctx.params.format;
    let columns: string[] | undefined;
    let lineNo = 0;
    let succeeded = false;
    try {
      for await (const lines of readLineBatches(ctx, path)) {
        ctx.signal.throwIfAborted();
        const records: Record<string, string | number>[] = [];
        for (const raw of lines) {
          lineNo++;
          const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
          if (line === '' || line.startsWith(comment)) continue;
          if (!columns) {
            format ??= detectFormat(path, line);
            if (!format) {
              throw new Error(
                `${name}:${lineNo}: cannot tell TSV from CSV by the header line, expected format: tsv or csv`,
              );
            }
            columns = splitRow(line, format);
            continue;
          }
          const cells = splitRow(line, format!);
          if (cells.length !== columns.length) {
            const problem = `${cells.length} cells, expected ${columns.length} (${columns.join(', ')})`;
            if (ctx.params['on-invalid'] === 'error') throw new Error(`${name}:${lineNo}: ${problem}`);
            await rejects.add(raw, `${name}:${lineNo}`, problem);
            continue;
          }
          const record: Record<string, string | number> = {};
          columns.forEach((column, i) => {
            const cell = cells[i]!;
            record[column] = numbers && NUMBER.test(cell) ? Number(cell) : cell;
          });
          records.push(record);
        }
        if (records.length) yield batch(records);
      }
      if (!columns) throw new Error(`${name}: no header line, expected the column names first`);
      succeeded = true;
    } finally {
      await rejects.close(succeeded);
    }
  },
});
