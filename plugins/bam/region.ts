import type { BamHeader } from './header.js';

/** A region as 0-based half-open coordinates on a reference id. */
export interface Region {
  text: string;
  refId: number;
  beg: number;
  end: number;
}

const MAX_END = 2 ** 31 - 1;

/**
 * Parses a samtools region (`chr17`, `chr17:100`, `chr17:100-200`, 1-based inclusive;
 * `{name}:..` for names with colons). A name that is a reference as written wins.
 */
export function parseRegion(text: string, header: BamHeader): Region {
  const whole = header.refIds.get(text);
  if (whole !== undefined) return { text, refId: whole, beg: 0, end: MAX_END };
  const braced = /^\{(.+)\}(?::(.*))?$/.exec(text);
  const colon = text.lastIndexOf(':');
  const name = braced ? braced[1]! : colon < 0 ? text : text.slice(0, colon);
  const range = braced ? (braced[2] ?? '') : colon < 0 ? '' : text.slice(colon + 1);
  const refId = header.refIds.get(name);
  if (refId === undefined) throw new Error(`region '${text}': reference '${name}' is not in the BAM header`);
  if (range === '') return { text, refId, beg: 0, end: MAX_END };
  const m = /^([\d,]+)(?:-([\d,]*))?$/.exec(range);
  if (!m) throw new Error(`region '${text}' is malformed, expected NAME, NAME:BEG or NAME:BEG-END (1-based)`);
  const beg = Math.max(Number(m[1]!.replaceAll(',', '')) - 1, 0);
  const end = m[2] ? Number(m[2].replaceAll(',', '')) : MAX_END;
  if (end <= beg) throw new Error(`region '${text}': end is before start`);
  return { text, refId, beg, end };
}
