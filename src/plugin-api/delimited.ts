/** Splitting delimited text rows: TSV on tabs, CSV with RFC 4180 quoting (one line per row). */

export type Delimiter = 'tsv' | 'csv';

export function splitRow(line: string, format: Delimiter): string[] {
  if (format === 'tsv') return line.split('\t');
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * The format of a file: by extension, else by its first line holding only tabs or only
 * commas. Undecidable files (both or neither) need an explicit `format`.
 */
export function detectFormat(path: string, firstLine: string): Delimiter | undefined {
  if (/\.csv(\.gz)?$/i.test(path)) return 'csv';
  if (/\.(tsv|tab)(\.gz)?$/i.test(path)) return 'tsv';
  const tabs = firstLine.includes('\t');
  const commas = firstLine.includes(',');
  if (tabs !== commas) return tabs ? 'tsv' : 'csv';
  return undefined;
}
