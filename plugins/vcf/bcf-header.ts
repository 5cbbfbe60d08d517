import { HeaderDefect, parseHeader, type VcfHeader } from './header.js';

/** The first five bytes of every BCF 2.2 stream (after BGZF decompression). */
export const BCF_MAGIC = Buffer.from('BCF\x02\x02', 'latin1');

/** A BCF header: the VCF header it carries and the dictionaries its records index into. */
export interface BcfHeader {
  vcf: VcfHeader;
  /** Contig names by their BCF id. */
  contigs: string[];
  /** FILTER, INFO and FORMAT ids by their BCF id (one dictionary for all three). */
  keys: string[];
}

/** The dictionaries of a header as htslib builds them; `IDX=` attributes override the order. */
export function dictionaries(lines: readonly string[]): { contigs: string[]; keys: string[] } {
  const contigs: string[] = [];
  const keys: string[] = ['PASS'];
  const keyIds = new Map<string, number>([['PASS', 0]]);
  for (const line of lines) {
    const match = /^##(contig|FILTER|INFO|FORMAT)=<(?:.*,)?ID=([^,>]+)/.exec(line);
    if (!match) continue;
    const [, kind, id] = match as unknown as [string, string, string];
    const idx = /[<,]IDX=(\d+)[,>]/.exec(line);
    if (kind === 'contig') {
      contigs[idx ? Number(idx[1]) : contigs.length] = id;
      continue;
    }
    const known = keyIds.get(id);
    const at = idx ? Number(idx[1]) : (known ?? keys.length);
    keys[at] = id;
    keyIds.set(id, at);
  }
  return { contigs, keys };
}

/**
 * Parses the header text of a BCF file (the part after the magic and length, NUL included):
 * the dictionaries keep its `IDX=` numbers, the VCF header drops them, as `bcftools view`
 * prints the header of a BCF.
 */
export function parseBcfHeader(text: string, name: string): BcfHeader {
  const lines = text
    .replace(/\0+$/, '')
    .split('\n')
    .filter((l) => l !== '');
  try {
    const vcf = parseHeader(
      lines.map((l) => (l.startsWith('##') ? l.replace(/,IDX=\d+(?=[,>])/, '') : l)),
      1,
    );
    return { vcf, ...dictionaries(lines) };
  } catch (err) {
    if (err instanceof HeaderDefect)
      throw new Error(`${name}: BCF header line ${err.lineNumber}: ${err.message}`);
    throw err;
  }
}

/**
 * The header of `vcf` as BCF bytes (magic, length, text with `IDX=` on every dictionary
 * line, NUL), and the dictionaries its records are encoded with. A header without a PASS
 * filter gets one first, as htslib adds it.
 */
export function encodeBcfHeader(vcf: VcfHeader): {
  bytes: Buffer;
  contigs: Map<string, number>;
  keys: Map<string, number>;
} {
  const lines = vcf.text.split('\n').filter((l) => l !== '');
  if (!lines.some((l) => /^##FILTER=<ID=PASS[,>]/.test(l)))
    lines.splice(1, 0, '##FILTER=<ID=PASS,Description="All filters passed">');
  const { contigs, keys } = dictionaries(lines);
  const contigIds = new Map(contigs.map((c, i) => [c, i]));
  const keyIds = new Map(keys.map((k, i) => [k, i]));
  const text = lines
    .map((line) => {
      const match = /^##(contig|FILTER|INFO|FORMAT)=<(?:.*,)?ID=([^,>]+)/.exec(line);
      if (!match || !line.endsWith('>')) return line;
      const id = match[1] === 'contig' ? contigIds.get(match[2]!) : keyIds.get(match[2]!);
      return `${line.slice(0, -1)},IDX=${id}>`;
    })
    .join('\n');
  const body = Buffer.from(`${text}\n\0`);
  const bytes = Buffer.alloc(BCF_MAGIC.length + 4 + body.length);
  BCF_MAGIC.copy(bytes);
  bytes.writeUInt32LE(body.length, BCF_MAGIC.length);
  body.copy(bytes, BCF_MAGIC.length + 4);
  return { bytes, contigs: contigIds, keys: keyIds };
}
