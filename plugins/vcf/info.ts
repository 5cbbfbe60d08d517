import type { FieldType } from './header.js';

/**
 * Parses an INFO column with the header's types: Flag -> true, Integer/Float -> numbers
 * (null for `.`), Number=1 -> a single value, anything else -> an array. Undeclared keys
 * stay strings (or true without `=`), as bcftools assumes Type=String.
 */
export function parseInfo(text: string, types: ReadonlyMap<string, FieldType>): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  if (text === '.' || text === '') return info;
  for (const entry of text.split(';')) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (eq < 0) {
      info[key] = true;
      continue;
    }
    const raw = entry.slice(eq + 1);
    const type = types.get(key);
    if (!type) {
      info[key] = raw;
      continue;
    }
    const numeric = type.type === 'Integer' || type.type === 'Float';
    const convert = (value: string) => (value === '.' ? null : numeric ? Number(value) : value);
    info[key] = type.number === '1' ? convert(raw) : raw.split(',').map(convert);
  }
  return info;
}
