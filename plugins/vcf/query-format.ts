/*
 * The format language of `bcftools query -f`: literal text with `\t`, `\n` and `\\`
 * escapes, `%CHROM %POS %ID %REF %ALT %QUAL %FILTER`, `%INFO/TAG` (or `%TAG` outside
 * brackets), and a bracketed part repeated for every sample, in which `%GT`, `%SAMPLE` and
 * any `%TAG` of FORMAT may appear, as may the fixed columns.
 */

export const FIXED = ['CHROM', 'POS', 'ID', 'REF', 'ALT', 'QUAL', 'FILTER'] as const;
export type FixedColumn = (typeof FIXED)[number];

export type SitePart =
  | { kind: 'text'; text: string }
  | { kind: 'fixed'; column: FixedColumn }
  | { kind: 'info'; key: string }
  | { kind: 'samples'; parts: SamplePart[] };

export type SamplePart =
  | { kind: 'text'; text: string }
  | { kind: 'fixed'; column: FixedColumn }
  | { kind: 'sample' }
  | { kind: 'format'; key: string };

const ESCAPES: Record<string, string> = { t: '\t', n: '\n', '\\': '\\' };

/** Parses a format; a mistake is an error that names the position and what was expected. */
export function parseQueryFormat(format: string): SitePart[] {
  const site: SitePart[] = [];
  let samples: SamplePart[] | undefined;
  const fail = (at: number, what: string) => {
    throw new Error(`format ${JSON.stringify(format)} at character ${at + 1}: ${what}`);
  };
  const addText = (text: string) => {
    const parts: Array<SitePart | SamplePart> = samples ?? site;
    const last = parts[parts.length - 1];
    if (last?.kind === 'text') last.text += text;
    else parts.push({ kind: 'text', text });
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '\\') {
      const escaped = ESCAPES[format[i + 1] ?? ''];
      if (escaped === undefined) fail(i, 'unknown escape, expected \\t, \\n or \\\\');
      addText(escaped!);
      i++;
    } else if (c === '[') {
      if (samples) fail(i, 'a "[" inside brackets, expected "]" first');
      samples = [];
    } else if (c === ']') {
      if (!samples) fail(i, 'a "]" without "[", expected brackets in pairs');
      site.push({ kind: 'samples', parts: samples! });
      samples = undefined;
    } else if (c === '%') {
      const name = /^[A-Za-z0-9_./]+/.exec(format.slice(i + 1))?.[0];
      if (!name) fail(i, 'a "%" without a name, expected e.g. %CHROM, %INFO/DP or %GT');
      i += name!.length;
      const fixed = FIXED.find((column) => column === name);
      if (fixed) (samples ?? site).push({ kind: 'fixed', column: fixed });
      else if (samples) samples.push(name === 'SAMPLE' ? { kind: 'sample' } : { kind: 'format', key: name! });
      else if (name === 'SAMPLE' || name === 'GT') fail(i, `%${name} outside brackets, expected [%${name}]`);
      else site.push({ kind: 'info', key: name!.startsWith('INFO/') ? name!.slice(5) : name! });
    } else {
      addText(c);
    }
  }
  if (samples) fail(format.length, 'brackets not closed, expected "]"');
  return site;
}
