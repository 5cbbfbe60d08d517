import VCFParser from '@gmod/vcf';

/** How an INFO or FORMAT key is declared in the header (`Number`, `Type`). */
export interface FieldType {
  number: string;
  type: string;
}

/** A header problem: which header line (1-based) and what is wrong with it. */
export class HeaderDefect extends Error {
  constructor(
    readonly lineNumber: number,
    message: string,
    /** The header line as it was, when the defect belongs to one line. */
    readonly line?: string,
  ) {
    super(message);
  }
}

const FIXED_COLUMNS = ['#CHROM', 'POS', 'ID', 'REF', 'ALT', 'QUAL', 'FILTER', 'INFO'];

/**
 * A parsed VCF header. One instance is shared by every record of a file (`record.header`),
 * so per-record costs stay flat: types and sample order are looked up here.
 */
export class VcfHeader {
  /** The header exactly as read: every `##` line and the `#CHROM` line, each ending in `\n`. */
  readonly text: string;
  readonly samples: readonly string[];
  readonly info: ReadonlyMap<string, FieldType>;
  readonly format: ReadonlyMap<string, FieldType>;
  /** Meta-information as parsed by @gmod/vcf (`INFO`, `FORMAT`, `contig`, `fileformat`, ...). */
  readonly meta: Record<string, unknown>;

  constructor(metaLines: readonly string[], columnsLine: string) {
    this.text = `${metaLines.join('\n')}${metaLines.length ? '\n' : ''}${columnsLine}\n`;
    const parser = new VCFParser({ header: this.text, strict: false });
    this.meta = parser.getMetadata() as Record<string, unknown>;
    this.samples = columnsLine.split('\t').slice(9);
    this.info = fieldTypes(this.meta.INFO);
    this.format = fieldTypes(this.meta.FORMAT);
  }

  /** The header text with `##INFO` lines for `added` keys not yet declared, before `#CHROM`. */
  withInfo(added: ReadonlyArray<{ id: string; number: string; type: string; description: string }>): string {
    const declared = new Set(this.declaredInfoIds());
    const lines = added
      .filter((field) => !declared.has(field.id))
      .map((f) => `##INFO=<ID=${f.id},Number=${f.number},Type=${f.type},Description="${f.description}">\n`);
    if (!lines.length) return this.text;
    const columns = this.text.lastIndexOf('#CHROM');
    return this.text.slice(0, columns) + lines.join('') + this.text.slice(columns);
  }

  /** INFO ids declared by `##INFO` lines of this header (not the spec's reserved ones). */
  private declaredInfoIds(): string[] {
    const ids: string[] = [];
    for (const line of this.text.split('\n')) {
      if (!line.startsWith('##INFO=<')) continue;
      const match = /[<,]ID=([^,>]+)/.exec(line);
      if (match) ids.push(match[1]!);
    }
    return ids;
  }
}

function fieldTypes(section: unknown): Map<string, FieldType> {
  const types = new Map<string, FieldType>();
  if (!section || typeof section !== 'object') return types;
  for (const [id, spec] of Object.entries(section as Record<string, Record<string, unknown>>)) {
    if (!spec || typeof spec !== 'object') continue;
    types.set(id, { number: String(spec.Number ?? '.'), type: String(spec.Type ?? 'String') });
  }
  return types;
}

/**
 * Builds a header from its lines, checking what bcftools 1.16 checks. `repair` (skip mode)
 * turns each defect it can work around into a report instead of an error: `onDefect` is
 * told, and the header is built as if the line were right (or without it).
 */
export function parseHeader(
  lines: readonly string[],
  firstLineNumber: number,
  onDefect?: (defect: HeaderDefect) => void,
): VcfHeader {
  const report = (defect: HeaderDefect) => {
    if (!onDefect) throw defect;
    onDefect(defect);
  };
  const columnsLine = lines[lines.length - 1];
  if (columnsLine === undefined || !columnsLine.startsWith('#CHROM')) {
    throw new HeaderDefect(
      firstLineNumber + lines.length,
      'no #CHROM line before the first record, expected the tab-separated column header line',
    );
  }
  const metaLines: string[] = [];
  if (!lines[0]!.startsWith('##fileformat=VCF')) {
    report(
      new HeaderDefect(
        firstLineNumber,
        'the file does not start with ##fileformat=VCFv4.x, expected a VCF header',
      ),
    );
  }
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (line.includes('\t')) {
      report(
        new HeaderDefect(
          firstLineNumber + i,
          'meta-information line contains a tab, expected ##key=value or ##key=<ID=...,...> without tabs',
          line,
        ),
      );
      continue;
    }
    metaLines.push(line);
  }
  const lineNumber = firstLineNumber + lines.length - 1;
  let columns = columnsLine.split('\t');
  const wrongColumns = (names: string[]) =>
    names.length < 8 ||
    FIXED_COLUMNS.some((name, i) => names[i] !== name) ||
    (names.length > 8 && names[8] !== 'FORMAT');
  if (wrongColumns(columns)) {
    const spaced = columnsLine.split(/\s+/).filter(Boolean);
    const defect = new HeaderDefect(
      lineNumber,
      `bad #CHROM line, expected the tab-separated columns ${FIXED_COLUMNS.join(' ')} [FORMAT sample...]`,
      columnsLine,
    );
    if (wrongColumns(spaced)) throw defect;
    report(defect);
    columns = spaced;
  }
  if (columns.length === 9) {
    report(
      new HeaderDefect(
        lineNumber,
        'the #CHROM line has a FORMAT column but no samples, expected sample names after FORMAT',
        columnsLine,
      ),
    );
    columns = columns.slice(0, 8);
  }
  const seen = new Set<string>();
  for (const sample of columns.slice(9)) {
    if (seen.has(sample))
      throw new HeaderDefect(
        lineNumber,
        `sample name "${sample}" appears twice, expected unique sample names`,
      );
    seen.add(sample);
  }
  return new VcfHeader(metaLines, columns.join('\t'));
}

const headersByText = new Map<string, VcfHeader>();

/**
 * The header for a header text that was already checked once (records that crossed a
 * thread or the cache as plain data). Kept per text, so records of one file share one.
 */
export function headerFromText(text: string): VcfHeader {
  let header = headersByText.get(text);
  if (!header) {
    const lines = text.split('\n').filter((line) => line !== '');
    header = new VcfHeader(lines.slice(0, -1), lines[lines.length - 1] ?? '');
    if (headersByText.size > 64) headersByText.clear();
    headersByText.set(text, header);
  }
  return header;
}

/**
 * The header with one `##genoflowVersion=` and one `##genoflowCommand=` line (the command,
 * its date and run id, as bcftools writes `##bcftools_viewCommand=`) before `#CHROM`: those
 * of an earlier pass through genoflow are replaced, so a second pass adds no duplicates.
 */
export function withProvenance(
  text: string,
  run: { id: string; command: string; genoflowVersion: string },
  date: Date,
): string {
  const kept = text.split('\n').filter((line) => !/^##genoflow(Version|Command)=/.test(line));
  const columns = kept.findIndex((line) => line.startsWith('#CHROM'));
  kept.splice(
    columns < 0 ? kept.length : columns,
    0,
    `##genoflowVersion=${run.genoflowVersion}`,
    `##genoflowCommand=${run.command.replace(/[\r\n]+/g, ' ')}; Date=${date.toISOString()}; run=${run.id}`,
  );
  return kept.join('\n');
}
