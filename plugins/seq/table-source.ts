import { basename } from 'node:path';
import {
  type Delimiter,
  detectFormat,
  displayName,
  readLineBatches,
  type StageContext,
  splitRow,
} from '../../src/plugin-api/index.js';
import { invalidSequenceReason, isNucleotides } from './dna.js';
import type { LabelledEvent } from './labelled-events.js';

/** A column by header name or 0-based index. */
export type Column = string | number;

export interface TableOptions {
  path: string;
  format: 'auto' | Delimiter;
  header: 'auto' | 'yes' | 'no';
  sequence: Column;
  label: Column;
  id?: Column;
  /** Keep only rows whose `column` cell equals `value` (e.g. a `task` column). */
  where?: { column: Column; value: string };
  uppercase: boolean;
}

/**
 * Labelled sequences from the rows of a TSV/CSV file. With `header: auto` the first row is
 * a header when a column is named, or when its sequence cell is not a sequence.
 */
export async function* tableRecords(
  ctx: StageContext<unknown>,
  options: TableOptions,
): AsyncGenerator<LabelledEvent[]> {
  const name = displayName(options.path);
  const fallbackId = basename(options.path);
  let format: Delimiter | undefined = options.format === 'auto' ? undefined : options.format;
  let indices: { sequence: number; label: number; id?: number; where?: number } | undefined;
  let lineNo = 0;
  for await (const lines of readLineBatches(ctx, options.path)) {
    const events: LabelledEvent[] = [];
    for (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      format ??= detectFormat(options.path, line);
      if (!format)
        throw new Error(
          `${name}:${lineNo}: cannot tell whether this is TSV or CSV, expected format: tsv or csv`,
        );
      const cells = splitRow(line, format).map((cell) => cell.trim());
      if (!indices) {
        const isHeader = hasHeader(options, cells);
        indices = resolveColumns(options, isHeader ? cells : undefined, `${name}:${lineNo}`);
        if (isHeader) continue;
      }
      const where = `${name}:${lineNo}`;
      const width = Math.max(indices.sequence, indices.label, indices.id ?? 0, indices.where ?? 0) + 1;
      if (cells.length < width) {
        events.push({
          rejection: { where, reason: `${cells.length} columns, expected at least ${width}`, lines: [line] },
        });
        continue;
      }
      if (indices.where !== undefined && cells[indices.where] !== options.where!.value) continue;
      const seq = cells[indices.sequence]!;
      if (!isNucleotides(seq)) {
        events.push({ rejection: { where, reason: invalidSequenceReason(seq), lines: [line] } });
        continue;
      }
      const label = cells[indices.label]!;
      if (label === '') {
        events.push({ rejection: { where, reason: 'empty label, expected a class name', lines: [line] } });
        continue;
      }
      events.push({
        record: {
          id: indices.id === undefined ? `${fallbackId}:${lineNo}` : cells[indices.id]!,
          seq: options.uppercase ? seq.toUpperCase() : seq,
          label,
        },
      });
    }
    yield events;
  }
}

function hasHeader(options: TableOptions, cells: string[]): boolean {
  if (options.header !== 'auto') return options.header === 'yes';
  const columns = [options.sequence, options.label, options.id, options.where?.column];
  if (columns.some((c) => typeof c === 'string')) return true;
  const seq = cells[options.sequence as number];
  return seq === undefined || !isNucleotides(seq);
}

function resolveColumns(options: TableOptions, header: string[] | undefined, where: string) {
  const find = (column: Column, param: string): number => {
    if (typeof column === 'number') return column;
    const index = header?.indexOf(column) ?? -1;
    if (index < 0) {
      const known = header ? `one of ${header.join(', ')}` : 'a header row, or a 0-based column index';
      throw new Error(`${where}: no column '${column}' for ${param}, expected ${known}`);
    }
    return index;
  };
  return {
    sequence: find(options.sequence, 'sequence-column'),
    label: find(options.label, 'label-column'),
    id: options.id === undefined ? undefined : find(options.id, 'id-column'),
    where: options.where === undefined ? undefined : find(options.where.column, 'where'),
  };
}
