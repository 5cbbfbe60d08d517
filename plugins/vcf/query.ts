import { batch, defineStage, inputBatches, z } from '../../src/plugin-api/index.js';
import { bcftoolsFloats } from './float-format.js';
import { LineBuilder, StringBuilder } from './line-builder.js';
import { type FixedColumn, parseQueryFormat, type SamplePart, type SitePart } from './query-format.js';
import type { VcfRecord } from './record.js';
import { formatIndex, sampleColumns, valueEnd, valueStart } from './sample-columns.js';

export const query = defineStage({
  description: 'Each record as one line formatted like bcftools query -f (e.g. %CHROM\\t%POS[\\t%GT]\\n)',
  params: z.strictObject({
    format: z.string().describe('bcftools query syntax; must end in \\n (each record becomes one line).'),
  }),
  inputs: { in: 'vcf-record' },
  output: 'line',
  async *run(ctx) {
    const parts = parseQueryFormat(ctx.params.format);
    if (!endsInNewline(parts)) {
      throw new Error(
        `vcf.query: format must end in \\n (each record becomes one line), got ${JSON.stringify(ctx.params.format)}`,
      );
    }
    dropFinalNewline(parts);
    const inBrackets = endsInSamples(parts);
    const bytes = new LineBuilder();
    const strings = new StringBuilder();
    for await (const records of inputBatches(ctx.inputs.in as AsyncIterable<VcfRecord>)) {
      ctx.signal.throwIfAborted();
      const lines: string[] = [];
      for (const record of records) {
        bytes.reset();
        render(record, parts, bytes);
        let line = bytes.toString();
        if (bytes.wide) {
          strings.reset();
          render(record, parts, strings);
          line = strings.toString();
        }
        // Under `[...\n]` the text ends in its newline, or is empty (no samples: no line).
        if (!inBrackets) lines.push(line);
        else if (line !== '') lines.push(line.slice(0, -1));
      }
      yield batch(lines);
    }
  },
});

function endsInNewline(parts: readonly SitePart[]): boolean {
  const last = parts[parts.length - 1];
  if (last?.kind === 'text') return last.text.endsWith('\n');
  const inner = last?.kind === 'samples' ? last.parts[last.parts.length - 1] : undefined;
  return inner?.kind === 'text' && inner.text.endsWith('\n');
}

/** Takes the final newline off a format that ends in text: the writer adds it. */
function dropFinalNewline(parts: SitePart[]): void {
  const last = parts[parts.length - 1];
  if (last?.kind === 'text') last.text = last.text.slice(0, -1);
}

/** Whether the format ends inside brackets (`[...\n]`): the newline is then in the text. */
function endsInSamples(parts: readonly SitePart[]): boolean {
  return parts[parts.length - 1]?.kind === 'samples';
}

type Builder = LineBuilder | StringBuilder;

function render(record: VcfRecord, parts: readonly SitePart[], out: Builder): void {
  for (const part of parts) {
    if (part.kind === 'text') out.text(part.text);
    else if (part.kind === 'fixed') out.text(fixed(record, part.column));
    else if (part.kind === 'info') out.text(info(record, part.key));
    else samples(record, part.parts, out);
  }
}

function fixed(record: VcfRecord, column: FixedColumn): string {
  switch (column) {
    case 'CHROM':
      return record.chrom;
    case 'POS':
      return String(record.pos);
    case 'ID':
      return record.id;
    case 'REF':
      return record.ref;
    case 'ALT':
      return record.alt.length ? record.alt.join(',') : '.';
    case 'QUAL':
      return column6(record.line);
    case 'FILTER':
      return record.filter === '' ? '.' : record.filter;
  }
}

/** QUAL as written in the line (bcftools prints it back the same for what it reads). */
function column6(line: string): string {
  let start = 0;
  for (let i = 0; i < 5; i++) start = line.indexOf('\t', start) + 1;
  const text = line.slice(start, line.indexOf('\t', start));
  return text === '' ? '.' : text;
}

/** An INFO value as bcftools prints it: Floats reformatted, a Flag 1, an absent key `.`. */
function info(record: VcfRecord, key: string): string {
  const { line, infoStart, infoEnd } = record;
  const type = record.header.info.get(key)?.type;
  let at = infoStart;
  while (at < infoEnd) {
    let end = line.indexOf(';', at);
    if (end < 0 || end > infoEnd) end = infoEnd;
    if (line.startsWith(key, at)) {
      const after = at + key.length;
      if (after === end) return type === 'Flag' ? '1' : '.';
      if (line.charCodeAt(after) === 61) {
        if (type === 'Flag') return '1';
        const value = line.slice(after + 1, end);
        return type === 'Float' ? bcftoolsFloats(value) : value;
      }
    }
    at = end + 1;
  }
  return '.';
}

function samples(record: VcfRecord, parts: readonly SamplePart[], out: Builder): void {
  const { line, header } = record;
  const names = header.samples;
  const [separator, value] = parts;
  if (parts.length === 2 && separator?.kind === 'text' && value?.kind === 'format' && value.key === 'GT') {
    if (formatIndex(line, record.infoEnd, 'GT') === 0) {
      firstValues(line, record.infoEnd, names.length, separator.text, out);
      return;
    }
  }
  const columns = sampleColumns(line, record.infoEnd, names.length);
  const keys = parts.map((part) =>
    part.kind === 'format' ? formatIndex(line, record.infoEnd, part.key) : -1,
  );
  const floats = parts.map((part) => part.kind === 'format' && header.format.get(part.key)?.type === 'Float');
  for (let s = 0; s < names.length; s++) {
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      if (part.kind === 'text') out.text(part.text);
      else if (part.kind === 'sample') out.text(names[s]!);
      else if (part.kind === 'fixed') out.text(fixed(record, part.column));
      else {
        const at = valueStart(line, columns, s, keys[p]!);
        const end = at < 0 ? at : valueEnd(line, at);
        if (end <= at) out.text('.');
        else if (floats[p]) out.text(bcftoolsFloats(line.slice(at, end)));
        else out.range(line, at, end);
      }
    }
  }
}

/**
 * `[<separator>%GT]` when GT comes first in FORMAT (nearly always): each sample's first
 * value, copied in one pass over the line.
 */
function firstValues(line: string, infoEnd: number, count: number, separator: string, out: Builder): void {
  let at = line.indexOf('\t', infoEnd + 1) + 1;
  for (let s = 0; s < count; s++) {
    out.text(separator);
    if (at <= 0) {
      out.text('.');
      continue;
    }
    let end = at;
    let c = 0;
    while (end < line.length) {
      c = line.charCodeAt(end);
      if (c === 58 || c === 9) break;
      end++;
    }
    if (end > at) out.range(line, at, end);
    else out.text('.');
    const tab = c === 9 && end < line.length ? end : line.indexOf('\t', end);
    at = tab < 0 ? 0 : tab + 1;
  }
}
