/*
 * Fast access to the sample columns of a data line, by character offsets, without
 * splitting the line: what vcf.query and vcf.genotypes need per record.
 */

const TAB = 9;
const COLON = 58;
let scratch = new Int32Array(64);

/**
 * Start and end offsets of each sample column: `[start0, end0, start1, end1, ...]`, start -1
 * for a column the line lacks. The array is reused by the next call.
 */
export function sampleColumns(line: string, infoEnd: number, count: number): Int32Array {
  if (scratch.length < 2 * count) scratch = new Int32Array(4 * count);
  let start = infoEnd < line.length ? line.indexOf('\t', infoEnd + 1) + 1 : 0;
  for (let s = 0; s < count; s++) {
    if (start <= 0) {
      scratch[2 * s] = -1;
      continue;
    }
    const tab = line.indexOf('\t', start);
    const end = tab < 0 ? line.length : tab;
    scratch[2 * s] = start;
    scratch[2 * s + 1] = end;
    start = tab < 0 ? 0 : tab + 1;
  }
  return scratch;
}

/** Which value of each sample holds `key` (0 for the first FORMAT key), or -1. */
export function formatIndex(line: string, infoEnd: number, key: string): number {
  if (infoEnd >= line.length) return -1;
  const start = infoEnd + 1;
  let end = line.indexOf('\t', start);
  if (end < 0) end = line.length;
  let index = 0;
  let fieldStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && line.charCodeAt(i) !== COLON) continue;
    if (i - fieldStart === key.length && line.startsWith(key, fieldStart)) return index;
    index++;
    fieldStart = i + 1;
  }
  return -1;
}

/** Where value `index` of sample `s` starts, or -1 when the sample has no such value. */
export function valueStart(line: string, columns: Int32Array, s: number, index: number): number {
  let at = columns[2 * s]!;
  if (at < 0 || index < 0) return -1;
  const end = columns[2 * s + 1]!;
  for (let k = 0; k < index; k++) {
    while (at < end && line.charCodeAt(at) !== COLON) at++;
    if (at >= end) return -1;
    at++;
  }
  return at;
}

/** The end of the value starting at `at` (the next `:` or tab, or the end of the line). */
export function valueEnd(line: string, at: number): number {
  let i = at;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === COLON || c === TAB) return i;
    i++;
  }
  return i;
}
